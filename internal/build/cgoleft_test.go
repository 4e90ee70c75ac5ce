package build

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mingo-build/mingo/internal/gotool"
	"github.com/mingo-build/mingo/platform"
)

// The cgo files CGO_ENABLED=0 leaves out are found by their constraints
// or their import "C"; a cgo file for another OS is not one of them.
func TestLeftOutCgo(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"go.mod":                "module example.com/m\n\ngo 1.22\n",
		"main.go":               "package main\n\nimport \"example.com/m/fast\"\n\nfunc main() { println(fast.Mode()) }\n",
		"fast/fast_cgo.go":      "//go:build cgo\n\npackage fast\n\nfunc Mode() string { return \"cgo\" }\n",
		"fast/fast_nocgo.go":    "//go:build !cgo\n\npackage fast\n\nfunc Mode() string { return \"go\" }\n",
		"fast/c.go":             "package fast\n\n// int x;\nimport \"C\"\n",
		"fast/c_windows.go":     "package fast\n\n// int y;\nimport \"C\"\n",
		"fast/fast_linux.go":    "package fast\n\nconst linux = true\n",
		"fast/fast_darwin.go":   "package fast\n\nconst linux = false\n",
		"fast/fast_cgo_test.go": "//go:build cgo\n\npackage fast\n",
	}
	for name, text := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p, _ := platform.Parse("linux/amd64")
	got, err := leftOutCgo(context.Background(), dir, gotool.Env(&p), p, nil, []string{"example.com/m"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ImportPath != "example.com/m/fast" || strings.Join(got[0].CgoFiles, " ") != "c.go fast_cgo.go" {
		t.Errorf("leftOutCgo = %+v, want example.com/m/fast: c.go fast_cgo.go", got)
	}
}
