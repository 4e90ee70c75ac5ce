package verify

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/mingo-build/mingo"
	"github.com/mingo-build/mingo/publish"
)

// A .ko.yaml build in a module directory of its own (dir: ./svc) verifies
// from the file's directory, its package named by its directory or as the
// file names it: the rebuild runs in that module, as the build did.
func TestRequestKoBuildDir(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	if err := os.CopyFS(filepath.Join(root, "svc"), os.DirFS(filepath.Join("..", "internal", "build", "testdata", "mod"))); err != nil {
		t.Fatal(err)
	}
	ko := "defaultPlatforms: [linux/amd64]\nbuilds:\n- id: hello\n  dir: ./svc\n  main: ./cmd/hello\n"
	if err := os.WriteFile(filepath.Join(root, ".ko.yaml"), []byte(ko), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(root)
	cfg, err := mingo.LoadConfig(ctx, "", mingo.Overlay{})
	if err != nil {
		t.Fatal(err)
	}
	cacheDir := t.TempDir()
	images, err := mingo.Build(ctx, cfg.Specs, mingo.WithCacheDir(cacheDir))
	if err != nil {
		t.Fatal(err)
	}
	tarPath := filepath.Join(t.TempDir(), "hello.tar")
	if _, err := mingo.Publish(ctx, images, &publish.Tarball{Path: tarPath}); err != nil {
		t.Fatal(err)
	}
	for _, pkg := range []string{"./svc/cmd/hello", "./cmd/hello"} {
		rep, err := Request{Package: pkg, Image: tarPath}.Rebuild(ctx, WithCacheDir(cacheDir))
		if err != nil {
			t.Fatalf("verify %s: %v", pkg, err)
		}
		if !rep.OK() {
			t.Errorf("verify %s: %+v, want a match", pkg, rep)
		}
	}
}
