package mingo_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mingo-build/mingo"
	"github.com/mingo-build/mingo/config"
	"github.com/mingo-build/mingo/platform"
	"github.com/mingo-build/mingo/publish"
)

// Local outputs are written first, each reported, then the images are
// pushed; the references are the registry's.
func TestBuildAndPublish(t *testing.T) {
	host := inMemoryRegistry()
	ctx := context.Background()
	targets := resolveHello(t, host+"/demo/hello:v1")
	dir := t.TempDir()
	var said []string
	out := mingo.Outputs{
		Tarball:  filepath.Join(dir, "hello.tar"),
		Layout:   filepath.Join(dir, "layout"),
		Registry: &publish.Registry{},
		Progress: func(format string, args ...any) { said = append(said, fmt.Sprintf(format, args...)) },
	}
	images, refs, err := mingo.BuildAndPublish(ctx, targets, out)
	if err != nil {
		t.Fatal(err)
	}
	if len(images) != 1 || len(refs) != 1 || refs[0] == nil || !strings.HasPrefix(refs[0].String(), host+"/demo/hello@sha256:") {
		t.Fatalf("BuildAndPublish = %d images, references %v", len(images), refs)
	}
	for _, p := range []string{out.Tarball, filepath.Join(out.Layout, "oci-layout")} {
		if _, err := os.Stat(p); err != nil {
			t.Error(err)
		}
	}
	want := []string{"tarball: docker load gets", "wrote " + out.Tarball, "wrote OCI layout " + out.Layout}
	if len(said) != len(want) {
		t.Fatalf("progress = %q, want lines starting %q", said, want)
	}
	for i, w := range want {
		if !strings.HasPrefix(said[i], w) {
			t.Errorf("progress line %d = %q, want it to start %q", i, said[i], w)
		}
	}
}

// A registry that does not answer fails the build, before any local output
// is written.
func TestBuildAndPublishChecksRegistries(t *testing.T) {
	inMemoryRegistry() // a fresh cache
	targets := resolveHello(t, "127.0.0.1:1/demo/hello:v1")
	tarball := filepath.Join(t.TempDir(), "hello.tar")
	out := mingo.Outputs{Tarball: tarball, Registry: &publish.Registry{}}
	_, _, err := mingo.BuildAndPublish(context.Background(), targets, out)
	if re, ok := errors.AsType[*publish.RegistryError](err); !ok || re.Problem != publish.Unreachable {
		t.Fatalf("BuildAndPublish to a closed port: %v, want an unreachable registry", err)
	}
	if _, err := os.Stat(tarball); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the tarball was written: %v", err)
	}
}

// resolveHello is the example hello program for linux/amd64 and
// linux/arm64, tagged tag.
func resolveHello(t *testing.T, tag string) []mingo.Target {
	t.Helper()
	over := mingo.Overlay{Packages: []string{"./examples/hello"}, Push: true}
	over.Image.Tags = config.Set([]string{tag})
	cfg, err := mingo.LoadConfig(context.Background(), "", over)
	if err != nil {
		t.Fatal(err)
	}
	spec := cfg.Specs[0]
	if spec.Platforms, err = platform.ParseList("linux/amd64,linux/arm64"); err != nil {
		t.Fatal(err)
	}
	targets, err := mingo.Resolve(context.Background(), []mingo.Spec{spec})
	if err != nil {
		t.Fatal(err)
	}
	return targets
}

// Check finds, before any build, each local output that cannot be
// written, in the order the outputs are written.
func TestOutputsCheck(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	notLayout := filepath.Join(dir, "src")
	os.WriteFile(file, nil, 0o644)
	os.MkdirAll(filepath.Join(notLayout, "main.go"), 0o755)
	for _, tc := range []struct {
		name   string
		out    mingo.Outputs
		output string
		want   error
	}{
		{"new files", mingo.Outputs{Tarball: filepath.Join(dir, "a.tar"), Layout: filepath.Join(dir, "out"), SBOMDir: filepath.Join(dir, "sboms")}, "", nil},
		{"no directory", mingo.Outputs{SBOMDir: filepath.Join(dir, "no", "sboms"), Layout: filepath.Join(dir, "no", "out")}, "SBOMDir", mingo.ErrNoDir},
		{"a file as directory", mingo.Outputs{Tarball: filepath.Join(file, "a.tar")}, "Tarball", mingo.ErrNoDir},
		{"tarball a directory", mingo.Outputs{Tarball: dir}, "Tarball", publish.ErrIsDir},
		{"layout a file", mingo.Outputs{Layout: file}, "Layout", publish.ErrNotDir},
		{"layout not a layout", mingo.Outputs{Layout: notLayout}, "Layout", publish.ErrNotLayout},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.out.Check()
			oe, ok := errors.AsType[*mingo.OutputError](err)
			switch {
			case tc.want == nil && err != nil:
				t.Errorf("Check = %v, want nil", err)
			case tc.want != nil && (!ok || oe.Output != tc.output || !errors.Is(err, tc.want)):
				t.Errorf("Check = %v, want an *OutputError for %s wrapping %v", err, tc.output, tc.want)
			}
		})
	}
}
