package publish

import (
	"context"
	"errors"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// An engine that stops answering fails the load within the timeout, as
// EngineStopped naming what mingo waited for, never as an engine that is
// not running: one that accepts connections and never reads, one that
// stops reading an image being loaded, one that drops the connection
// mid-load (a broken pipe).
func TestDaemonStopsAnswering(t *testing.T) {
	const timeout = time.Second
	silent := func(t *testing.T) string {
		sock := filepath.Join(t.TempDir(), "engine.sock")
		l, err := net.Listen("unix", sock)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.Close() })
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				t.Cleanup(func() { c.Close() })
			}
		}()
		return "unix://" + sock
	}
	onLoad := func(f func(w http.ResponseWriter, r *http.Request)) func(*testing.T) string {
		return func(t *testing.T) string {
			e := &fakeEngine{images: map[string]string{}}
			return startEngine(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/images/load" {
					f(w, r)
					return
				}
				e.ServeHTTP(w, r)
			}))
		}
	}
	stop := make(chan struct{})
	defer close(stop)
	for _, tc := range []struct {
		name   string
		engine func(*testing.T) string
		want   string
	}{
		{"accepts, never reads", silent, "made no progress for 1s while checking that it is up"},
		{"stops reading the image", onLoad(func(http.ResponseWriter, *http.Request) { <-stop }), "made no progress for 1s while loading images"},
		{"drops the connection", onLoad(func(w http.ResponseWriter, r *http.Request) {
			c, _, _ := w.(http.Hijacker).Hijack()
			c.Close()
		}), "container engine at "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := &Daemon{Host: tc.engine(t), Timeout: timeout}
			start := time.Now()
			err := d.Check(context.Background())
			if err == nil {
				_, err = d.Publish(context.Background(), []*Image{twoPlatforms(t)})
			}
			took := time.Since(start)
			var de *DaemonError
			if !errors.As(err, &de) || de.Problem != EngineStopped || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %v (problem %v), want EngineStopped containing %q", err, de, tc.want)
			}
			if took > timeout+2*time.Second {
				t.Errorf("took %v, want about %v", took, timeout)
			}
		})
	}
}
