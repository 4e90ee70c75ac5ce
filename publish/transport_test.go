package publish

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// A request the server never answers fails with a StallError after the
// timeout; a GET answered 503 once is retried and succeeds, counted.
func TestWatchdog(t *testing.T) {
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.Contains(r.URL.Path, "/blobs/uploads/"):
			io.ReadAll(r.Body) // so the server notices the client leave
			<-r.Context().Done()
		case calls.Add(1) == 1:
			http.Error(w, "busy", http.StatusServiceUnavailable)
		default:
			w.Write([]byte("ok"))
		}
	}))
	defer srv.Close()
	var transient atomic.Int64
	var logged []string
	c := &http.Client{Transport: &watchdog{next: http.DefaultTransport, timeout: 300 * time.Millisecond, transient: &transient,
		logf: func(f string, a ...any) { logged = append(logged, f) }}}
	start := time.Now()
	req, _ := http.NewRequest(http.MethodPatch, srv.URL+"/v2/team/api/blobs/uploads/x?_state=secret", strings.NewReader("data"))
	_, err := c.Do(req)
	var stall *StallError
	if !errors.As(err, &stall) || stall.Doing != "uploading a blob to team/api" {
		t.Fatalf("stalled upload: %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("the stall took %v to fail", d)
	}
	resp, err := c.Get(srv.URL + "/v2/team/api/manifests/v1")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET after one 503: %v %v", resp, err)
	}
	resp.Body.Close()
	if transient.Load() != 1 || len(logged) != 1 {
		t.Errorf("transient = %d, logged %q; want the 503 counted and shown once", transient.Load(), logged)
	}
}

func TestRedact(t *testing.T) {
	in := `Patch "http://reg:5000/v2/a/blobs/uploads/u?_state=SECRET&digest=sha256:1": EOF, see https://x/y.`
	want := `Patch "http://reg:5000/v2/a/blobs/uploads/u?_state=REDACTED&digest=REDACTED": EOF, see https://x/y.`
	if got := Redact(in); got != want {
		t.Errorf("Redact =\n%s\nwant\n%s", got, want)
	}
}
