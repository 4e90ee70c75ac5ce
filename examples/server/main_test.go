package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func get(t *testing.T, h http.Handler, path string) (int, map[string]any) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	var body map[string]any
	if strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatalf("GET %s: %v in %q", path, err, rec.Body.String())
		}
	}
	return rec.Code, body
}

func TestTime(t *testing.T) {
	s, err := newServer("UTC", "")
	if err != nil {
		t.Fatal(err)
	}
	s.now = func() time.Time { return time.Date(2024, 7, 1, 12, 0, 0, 0, time.UTC) }
	h := s.routes()

	code, body := get(t, h, "/time?zone=Asia/Tokyo")
	if code != http.StatusOK || body["time"] != "2024-07-01T21:00:00+09:00" || body["zone"] != "Asia/Tokyo" {
		t.Errorf("Asia/Tokyo: %d %v", code, body)
	}
	code, body = get(t, h, "/time")
	if code != http.StatusOK || body["time"] != "2024-07-01T12:00:00Z" {
		t.Errorf("default zone: %d %v", code, body)
	}
	code, _ = get(t, h, "/time?zone=Not/AZone")
	if code != http.StatusBadRequest {
		t.Errorf("unknown zone: %d, want 400", code)
	}
	if _, err := newServer("Not/AZone", ""); err == nil {
		t.Error("newServer accepted an unknown default zone")
	}
}

func TestHealthz(t *testing.T) {
	s, _ := newServer("UTC", "")
	rec := httptest.NewRecorder()
	s.routes().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	if rec.Code != http.StatusOK || rec.Body.String() != "ok\n" {
		t.Errorf("healthz: %d %q", rec.Code, rec.Body.String())
	}
}

func TestUpstream(t *testing.T) {
	up := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, "hi")
	}))
	defer up.Close()

	if _, err := newServer("UTC", "http://insecure.example"); err == nil {
		t.Error("newServer accepted a plain http upstream")
	}
	s, err := newServer("UTC", up.URL)
	if err != nil {
		t.Fatal(err)
	}
	// The test server's CA is not among the system roots: verification
	// fails, and the error says what to check.
	code, body := get(t, s.routes(), "/upstream")
	if code != http.StatusBadGateway || !strings.Contains(body["error"].(string), "CA certificates") {
		t.Errorf("untrusted upstream: %d %v", code, body)
	}
	// Trusting it, the chain is verified.
	s.client = up.Client()
	code, body = get(t, s.routes(), "/upstream")
	if code != http.StatusOK || body["status"] != float64(200) || body["verified_by"] == nil {
		t.Errorf("trusted upstream: %d %v", code, body)
	}

	none, _ := newServer("UTC", "")
	if code, _ := get(t, none.routes(), "/upstream"); code != http.StatusNotFound {
		t.Errorf("no upstream: %d, want 404", code)
	}
}
