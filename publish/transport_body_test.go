package publish

import (
	"errors"
	"io"
	"net/http"
	"sync/atomic"
	"testing"
	"time"
)

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

// A transport that goes on reading a request's body after the round trip
// (HTTP/2 does, for a cancelled push) never reaches the caller's body once
// the round trip has returned: go-containerregistry closes its progress
// channel then, and a read into it panicked (send on closed channel).
func TestRequestBodySealed(t *testing.T) {
	var over atomic.Bool
	var late atomic.Int64
	body := readerFunc(func(p []byte) (int, error) {
		if over.Load() {
			late.Add(1)
		}
		return copy(p, "x"), nil
	})
	reading := make(chan error, 1)
	next := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		started := make(chan struct{})
		go func() {
			var err error
			for i := 0; err == nil && i < 1e6; i++ {
				if i == 1 {
					close(started)
				}
				_, err = r.Body.Read(make([]byte, 1))
			}
			reading <- err
		}()
		<-started
		return nil, errors.New("push cancelled")
	})
	w := &watchdog{next: next, timeout: time.Minute, transient: new(atomic.Int64)}
	req, err := http.NewRequest(http.MethodPatch, "http://reg.example/v2/a/blobs/uploads/x", io.NopCloser(body))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.try(req); err == nil {
		t.Fatal("the round trip's error was lost")
	}
	over.Store(true)
	if err := <-reading; !errors.Is(err, errSealed) {
		t.Errorf("a read after the round trip: %v, want errSealed", err)
	}
	if n := late.Load(); n != 0 {
		t.Errorf("the caller's body was read %d times after the round trip", n)
	}
}
