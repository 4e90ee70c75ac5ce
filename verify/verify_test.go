package verify

import (
	"context"
	"errors"
	"io"
	"log"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/mingo-build/mingo"
	"github.com/mingo-build/mingo/internal/recipe"
	"github.com/mingo-build/mingo/platform"
)

// memRegistry starts go-containerregistry's in-memory registry and returns
// its host:port.
func memRegistry(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}

func mustRef(t *testing.T, s string) name.Reference {
	t.Helper()
	ref, err := name.ParseReference(s)
	if err != nil {
		t.Fatal(err)
	}
	return ref
}

// buildHello builds ./cmd/hello of the module in dir for two platforms at
// time created, through the root API, and returns its index.
func buildHello(t *testing.T, dir, cacheDir string, created time.Time) v1.ImageIndex {
	t.Helper()
	plats, err := platform.ParseList("linux/amd64,linux/arm64")
	if err != nil {
		t.Fatal(err)
	}
	spec := mingo.Spec{Packages: []string{"./cmd/hello"}, Platforms: plats, Created: created, Env: []string{"A=1"}}
	images, err := mingo.Build(context.Background(), []mingo.Spec{spec}, mingo.WithDir(dir), mingo.WithCacheDir(cacheDir))
	if err != nil {
		t.Fatal(err)
	}
	idx := images[0].Index
	if idx == nil {
		t.Fatal("two platforms built no index")
	}
	return idx
}

// publishHello builds ./cmd/hello of the test module for two platforms,
// pushes the index to host/team/hello:v1 and returns the module's copy, the
// cache directory and the index.
func publishHello(t *testing.T, host string) (string, string, v1.ImageIndex) {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(filepath.Join("..", "internal", "build", "testdata", "mod"))); err != nil {
		t.Fatal(err)
	}
	cacheDir := t.TempDir()
	idx := buildHello(t, dir, cacheDir, time.Unix(1700000000, 0).UTC())
	if err := remote.WriteIndex(mustRef(t, host+"/team/hello:v1"), idx); err != nil {
		t.Fatal(err)
	}
	return dir, cacheDir, idx
}

func TestRebuild(t *testing.T) {
	ctx := context.Background()
	host := memRegistry(t)
	dir, cacheDir, idx := publishHello(t, host)
	opts := []Option{WithDir(dir), WithCacheDir(cacheDir)}

	t.Run("match", func(t *testing.T) {
		var events int
		rep, err := Rebuild(ctx, "./cmd/hello", mustRef(t, host+"/team/hello:v1"), append(opts, WithProgress(func(mingo.Event) { events++ }))...)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := idx.Digest()
		if !rep.OK() || rep.Want != want || rep.Got != want || len(rep.Platforms) != 2 {
			t.Fatalf("report of an unchanged rebuild: %+v", rep)
		}
		for i, name := range []string{"linux/amd64", "linux/arm64"} {
			p := rep.Platforms[i]
			if p.Platform.String() != name || p.Status != Match || p.Want != p.Got {
				t.Errorf("platform %d: %+v, want %s matching", i, p, name)
			}
		}
		if rep.WantGo == "" || rep.WantGo != rep.GotGo {
			t.Errorf("Go versions: built with %q, rebuilt with %q", rep.WantGo, rep.GotGo)
		}
		if events == 0 {
			t.Error("no progress events")
		}
		if s := rep.Spec; len(s.Platforms) != 2 || len(s.Env) != 1 || s.Env[0] != "A=1" || !s.Created.Equal(time.Unix(1700000000, 0)) {
			t.Errorf("rebuilt spec: %+v, want the recipe's settings", s)
		}
	})

	// The recipe of v1 on an index built at another time: every platform
	// differs.
	t.Run("mismatch", func(t *testing.T) {
		im, err := idx.IndexManifest()
		if err != nil {
			t.Fatal(err)
		}
		built := buildHello(t, dir, cacheDir, time.Unix(1800000000, 0).UTC())
		other := mutate.Annotations(built, im.Annotations).(v1.ImageIndex)
		if err := remote.WriteIndex(mustRef(t, host+"/team/hello:other"), other); err != nil {
			t.Fatal(err)
		}
		rep, err := Rebuild(ctx, "./cmd/hello", mustRef(t, host+"/team/hello:other"), opts...)
		if err != nil {
			t.Fatal(err)
		}
		if rep.OK() || rep.Want == rep.Got {
			t.Errorf("rebuild of another build reported OK: %+v", rep)
		}
		for _, p := range rep.Platforms {
			if p.Status != Mismatch || p.Want == p.Got || p.Want == (v1.Hash{}) {
				t.Errorf("%s: %+v, want a mismatch", p.Platform, p)
			}
			// Another time: the config's created and the binary layer's
			// mtime differ; the binary's build info does not.
			why := strings.Join(p.Differences, "\n")
			for _, want := range []string{"config created:", "(binary): registry sha256:", "binary build info is the same"} {
				if !strings.Contains(why, want) {
					t.Errorf("%s: differences lack %q:\n%s", p.Platform, want, why)
				}
			}
		}
	})

	// v1 without its arm64 image: amd64 matches, arm64 is missing.
	t.Run("missing", func(t *testing.T) {
		arm64 := func(d v1.Descriptor) bool { return d.Platform != nil && d.Platform.Architecture == "arm64" }
		amd64 := mutate.RemoveManifests(idx, arm64)
		if err := remote.WriteIndex(mustRef(t, host+"/team/hello:amd64"), amd64); err != nil {
			t.Fatal(err)
		}
		rep, err := Rebuild(ctx, "./cmd/hello", mustRef(t, host+"/team/hello:amd64"), opts...)
		if err != nil {
			t.Fatal(err)
		}
		if rep.OK() || len(rep.Platforms) != 2 {
			t.Fatalf("report: %+v", rep)
		}
		if p := rep.Platforms[0]; p.Status != Match {
			t.Errorf("amd64: %+v, want a match", p)
		}
		if p := rep.Platforms[1]; p.Status != Missing || p.Want != (v1.Hash{}) {
			t.Errorf("arm64: %+v, want missing", p)
		}
		if s := rep.Platforms[1].Status.String(); s != "missing" {
			t.Errorf("Missing.String() = %q", s)
		}
	})

	t.Run("errors", func(t *testing.T) {
		img, err := random.Image(64, 1)
		if err != nil {
			t.Fatal(err)
		}
		foreign := mustRef(t, host+"/team/foreign:v1")
		if err := remote.Write(foreign, img); err != nil {
			t.Fatal(err)
		}
		if _, err := Rebuild(ctx, "./cmd/hello", foreign, opts...); !errors.Is(err, ErrNoRecipe) {
			t.Errorf("image without a recipe: %v, want ErrNoRecipe", err)
		}

		v1ref := mustRef(t, host+"/team/hello:v1")
		_, err = Rebuild(ctx, "./cmd/netuser", v1ref, opts...)
		var pkgErr *PackageMismatchError
		if !errors.As(err, &pkgErr) || pkgErr.Want != "example.com/mod/cmd/hello" || pkgErr.Got != "example.com/mod/cmd/netuser" {
			t.Errorf("another package: %v, want a PackageMismatchError", err)
		}

		if _, err := Rebuild(ctx, "./cmd/...", v1ref, opts...); err == nil || !strings.Contains(err.Error(), "matches many packages") {
			t.Errorf("a pattern of many packages: %v, want an error", err)
		}

		_, err = Rebuild(ctx, "./cmd/hello", v1ref, append(opts, WithFiles([]mingo.File{{Local: dir, Path: "/srv"}}))...)
		var addsErr *AddsMismatchError
		if !errors.As(err, &addsErr) || len(addsErr.Want) != 0 || len(addsErr.Got) != 1 || addsErr.Got[0] != "/srv" {
			t.Errorf("extra files: %v, want an AddsMismatchError", err)
		}

		_, err = Rebuild(ctx, "./cmd/hello", v1ref, append(opts, WithCABundle([]byte("pem")))...)
		var caErr *CABundleMismatchError
		if !errors.As(err, &caErr) || caErr.Want != "" || caErr.Got == "" {
			t.Errorf("a CA bundle for an image without: %v, want a CABundleMismatchError", err)
		}

		_, err = Rebuild(ctx, "./cmd/hello", v1ref, append(opts, WithLDFlags("-X main.x=1"))...)
		var ldErr *LDFlagsMismatchError
		if !errors.As(err, &ldErr) || ldErr.Want != "" || ldErr.Got != recipe.LDFlagsDigest("-X main.x=1") {
			t.Errorf("ldflags for an image built without: %v, want an LDFlagsMismatchError", err)
		}

		if _, err := Rebuild(ctx, "./cmd/hello", mustRef(t, host+"/team/absent:v1"), opts...); err == nil {
			t.Error("a reference that does not exist: no error")
		}
	})
}

// No error the package returns names a command-line flag: advice is the
// command's.
func TestErrorsNameNoFlags(t *testing.T) {
	ref := mustRef(t, "example.com/a:v1")
	for _, err := range []error{
		ErrNoRecipe, ErrCABundleNeeded,
		&PackageMismatchError{Reference: ref, Want: "a", Got: "b"},
		&AddsMismatchError{Reference: ref, Want: []string{"/x"}},
		&CABundleMismatchError{Reference: ref, Got: "sha256:00"},
		&CABundleMismatchError{Reference: ref, Want: "sha256:11", Got: "sha256:00"},
		&LDFlagsMismatchError{Reference: ref, Want: "sha256:11"},
		&LDFlagsMismatchError{Reference: ref, Got: "sha256:11"},
		&LDFlagsMismatchError{Reference: ref, Want: "sha256:11", Got: "sha256:00"},
	} {
		for _, bad := range []string{"--", "\n"} {
			if s := err.Error(); len(s) == 0 || strings.Contains(s, bad) {
				t.Errorf("error %q contains %q", s, bad)
			}
		}
	}
}
