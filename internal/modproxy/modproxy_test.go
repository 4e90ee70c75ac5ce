package modproxy

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestProxyMatchesSources fails when testdata/proxy was not remade after
// a change to testdata/modules (go run testdata/mkproxy.go remakes it).
func TestProxyMatchesSources(t *testing.T) {
	root, err := Root()
	if err != nil {
		t.Fatal(err)
	}
	fresh := t.TempDir()
	if err := Write(filepath.Join(root, "testdata", "modules"), fresh); err != nil {
		t.Fatal(err)
	}
	want, got := files(t, fresh), files(t, filepath.Join(root, "testdata", "proxy"))
	for name, b := range want {
		if got[name] != b {
			t.Errorf("testdata/proxy/%s differs from what its sources give; run go run testdata/mkproxy.go", name)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("testdata/proxy/%s has no source in testdata/modules", name)
		}
	}
}

// TestFixtureSumsMatch checks that the fixtures' go.sum lines for proxy
// modules are the hashes the go command computes.
func TestFixtureSumsMatch(t *testing.T) {
	root, err := Root()
	if err != nil {
		t.Fatal(err)
	}
	sums, err := SumLines(filepath.Join(root, "testdata", "modules"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(sums, "example.com/workers v1.0.0 h1:c1ah/MsqP6qNZ+s0EVorbARrsrEepbwc2WWzxSeLJsw=\n") {
		t.Errorf("SumLines = %q, want the hash the go command verified for example.com/workers v1.0.0", sums)
	}
	b, err := os.ReadFile(filepath.Join(root, "e2e", "testdata", "cache", "app", "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	for l := range strings.Lines(string(b)) {
		if strings.HasPrefix(l, "example.com/") && !strings.Contains(sums, l) {
			t.Errorf("cache fixture go.sum line %q is not what the proxy serves", strings.TrimSpace(l))
		}
	}
}

// files reads every file under dir by its slash-separated relative name.
func files(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
