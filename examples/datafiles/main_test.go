package main

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
)

// The test runs in examples/datafiles, so the default -dir "static" is the
// directory that the image gets with --add.
func TestShippedFiles(t *testing.T) {
	s, err := load("static")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(s.files, " ") != "hello.txt style.css" {
		t.Errorf("public files %q", s.files)
	}
	h := s.routes()

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `<a href="/static/style.css">`) {
		t.Errorf("GET /: %d\n%s", rec.Code, rec.Body.String())
	}

	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/static/hello.txt", nil))
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Body.String(), "hello from a data file") {
		t.Errorf("GET /static/hello.txt: %d %q", rec.Code, rec.Body.String())
	}

	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/nope", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("GET /nope: %d, want 404", rec.Code)
	}
}

func TestMissingFilesSayWhy(t *testing.T) {
	_, err := load(filepath.Join(t.TempDir(), "static"))
	if err == nil || !strings.Contains(err.Error(), "--workdir") {
		t.Errorf("load of an empty directory: %v; want an error that mentions --add and --workdir", err)
	}
}
