package resolve

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/mingo-build/mingo"
)

// Resolve builds each referenced package once, in the order the documents
// first name them, and writes the references build returns, or with local
// the images' local tags.
func TestResolve(t *testing.T) {
	dir := t.TempDir()
	for path, body := range map[string]string{
		"go.mod":              "module example.com/app\n\ngo 1.22\n",
		"cmd/api/main.go":     "package main\n\nfunc main() {}\n",
		"cmd/sidecar/main.go": "package main\n\nfunc main() {}\n",
	} {
		p := filepath.Join(dir, path)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile("testdata/app.yaml")
	if err != nil {
		t.Fatal(err)
	}
	src, err := Parse("app.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	images := []*mingo.Image{testImage(t, "mingo.local/api:latest", "", "api"), testImage(t, "mingo.local/sidecar:latest", "", "sidecar")}
	pushed := []name.Reference{digestRef(t, 'a'), digestRef(t, 'b')}
	var built []string
	build := func(_ context.Context, targets []mingo.Target) ([]*mingo.Image, []name.Reference, error) {
		for _, tg := range targets {
			built = append(built, tg.ImportPath)
		}
		return images, pushed, nil
	}
	for _, local := range []bool{false, true} {
		built = nil
		out, err := Resolve(context.Background(), []*Source{src}, mingo.Spec{}, build, local, mingo.WithDir(dir))
		if err != nil {
			t.Fatalf("Resolve(local %t): %v", local, err)
		}
		if strings.Join(built, " ") != "example.com/app/cmd/api example.com/app/cmd/sidecar" {
			t.Errorf("built %q", built)
		}
		want := pushed[0].String()
		if local {
			want = LocalTag(images[0]).String()
		}
		if strings.Count(string(out), want) != 2 || strings.Contains(string(out), "ko://example.com") {
			t.Errorf("Resolve(local %t) =\n%s\nwant %s twice, no ko:// left", local, out, want)
		}
	}
	if n := LocalNames(images[0]); len(n) != 1 || n[0] != LocalTag(images[0]) {
		t.Errorf("LocalNames = %v, want [%s]", n, LocalTag(images[0]))
	}
}
