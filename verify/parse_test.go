package verify

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestParseSource(t *testing.T) {
	dir := t.TempDir()
	tarPath := filepath.Join(dir, "api.tar")
	layoutDir := filepath.Join(dir, "out")
	for _, p := range []string{tarPath, filepath.Join(layoutDir, "oci-layout")} {
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte("{}"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		arg, want string
		registry  bool
	}{
		{"docker-daemon:registry.example.com/api:v1", "registry.example.com/api:v1", false},
		{"mingo.local/api:latest", "mingo.local/api:latest", false},
		{"ko.local/api:latest", "ko.local/api:latest", false},
		{tarPath, tarPath, false},
		{layoutDir + ":registry:5000/api:v1", layoutDir + ":registry:5000/api:v1", false},
		{"registry.example.com/api:v1", "registry.example.com/api:v1", true},
	} {
		src, ref, err := ParseSource(tc.arg, false)
		if err != nil {
			t.Errorf("ParseSource(%q): %v", tc.arg, err)
			continue
		}
		if got := src.String(); got != tc.want || (ref != nil) != tc.registry {
			t.Errorf("ParseSource(%q) = %q, ref %v, want %q, a registry %v", tc.arg, got, ref, tc.want, tc.registry)
		}
	}
	if _, _, err := ParseSource(dir, false); !errors.Is(err, ErrNoLayoutFile) {
		t.Errorf("a directory without oci-layout: %v, want ErrNoLayoutFile", err)
	}
	if _, _, err := ParseSource("./nope.tar", false); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a missing tarball: %v, want os.ErrNotExist", err)
	}
	var refErr *ReferenceError
	if _, _, err := ParseSource("Not A Reference", false); !errors.As(err, &refErr) {
		t.Errorf("a bad reference: %v, want a *ReferenceError", err)
	}
}
