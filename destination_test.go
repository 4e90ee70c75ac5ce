package mingo_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/random"

	"github.com/mingo-build/mingo"
	"github.com/mingo-build/mingo/config"
	"github.com/mingo-build/mingo/platform"
	"github.com/mingo-build/mingo/publish"
)

// Where the images go when the front end does not say: a push unless only
// local files are written (or the engine loads them); the local engine
// when nothing names anything.
func TestRunDefaultPushAndNamesNothing(t *testing.T) {
	t.Setenv("KO_DOCKER_REPO", "")
	pkgs := []string{"./cmd/app"}
	tagged := config.Overlay{Packages: pkgs}
	tagged.Image.Tags = config.Set([]string{"ghcr.io/acme/app:v1"})
	engine := mingo.Outputs{Engine: &publish.Daemon{}}
	for _, tc := range []struct {
		name         string
		out          mingo.Outputs
		over         config.Overlay
		configPath   string
		push, naming bool
	}{
		{"nothing given", mingo.Outputs{}, config.Overlay{Packages: pkgs}, "", true, true},
		{"a tag", mingo.Outputs{}, tagged, "", true, false},
		{"a repo", mingo.Outputs{}, config.Overlay{Packages: pkgs, Repo: config.Set("ghcr.io/acme")}, "", true, false},
		{"an engine", engine, config.Overlay{Packages: pkgs}, "", false, false},
		{"a tarball only", mingo.Outputs{Tarball: "a.tar"}, config.Overlay{Packages: pkgs}, "", false, false},
		{"a layout and a tag", mingo.Outputs{Layout: "out"}, tagged, "", true, false},
		{"a tarball and a config file", mingo.Outputs{Tarball: "a.tar"}, config.Overlay{}, "mingo.yaml", true, false},
		{"SBOMs only", mingo.Outputs{SBOMDir: "sboms"}, config.Overlay{Packages: pkgs}, "", true, false},
	} {
		r := &mingo.Run{Outputs: tc.out}
		if got := r.DefaultPush(context.Background(), tc.over, tc.configPath); got != tc.push {
			t.Errorf("%s: DefaultPush = %v, want %v", tc.name, got, tc.push)
		}
		if got := r.NamesNothing(context.Background(), tc.over, tc.configPath); got != tc.naming {
			t.Errorf("%s: NamesNothing = %v, want %v", tc.name, got, tc.naming)
		}
	}
	t.Setenv("KO_DOCKER_REPO", "ghcr.io/acme")
	if r := (&mingo.Run{}); r.NamesNothing(context.Background(), config.Overlay{Packages: pkgs}, "") {
		t.Error("KO_DOCKER_REPO names where the images go")
	}
}

// A mingo.yaml found at the module root may name repositories: a build of
// it with a tarball pushes too, and names where its images go.
func TestRunDefaultPushFindsConfig(t *testing.T) {
	t.Setenv("KO_DOCKER_REPO", "")
	dir := t.TempDir()
	for name, text := range map[string]string{"go.mod": "module example.com/m\n", "mingo.yaml": "repo: ghcr.io/acme\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(dir)
	r := &mingo.Run{Outputs: mingo.Outputs{Tarball: "a.tar"}}
	if !r.DefaultPush(context.Background(), config.Overlay{}, "") {
		t.Error("a tarball of mingo.yaml's images does not push")
	}
	r = &mingo.Run{}
	if r.NamesNothing(context.Background(), config.Overlay{}, "") {
		t.Error("mingo.yaml names nothing")
	}
}

// Without an engine to load into, LoadByDefault says where it looked and
// leaves the run as it was.
func TestRunLoadByDefaultNoEngine(t *testing.T) {
	t.Setenv("DOCKER_HOST", "unix://"+filepath.Join(t.TempDir(), "none.sock"))
	var said string
	r := &mingo.Run{Push: true, Verbosef: func(format string, args ...any) { said = format }}
	err := r.LoadByDefault(context.Background())
	var ee *mingo.EngineError
	if !errors.As(err, &ee) || ee.Address != os.Getenv("DOCKER_HOST") || ee.Err == nil {
		t.Fatalf("LoadByDefault = %v, want an EngineError at DOCKER_HOST", err)
	}
	if !r.Push || r.Outputs.Engine != nil || said == "" {
		t.Errorf("after a failed LoadByDefault: Push %v, Engine %v, told %q", r.Push, r.Outputs.Engine, said)
	}
}

// The overlay LoadConfig reads pushes as the run does; platforms given
// are kept, and without an engine there are no default platforms.
func TestRunOverlay(t *testing.T) {
	r := &mingo.Run{Push: true, Outputs: mingo.Outputs{Engine: &publish.Daemon{Host: "unix:///nonexistent.sock"}}}
	var over config.Overlay
	over.Image.Platforms = config.Set([]string{"linux/arm64"})
	got, err := r.Overlay(context.Background(), over)
	if err != nil || !got.Push || got.DefaultPlatforms != nil {
		t.Errorf("platforms given: %+v, %v", got, err)
	}
	if _, err := r.Overlay(context.Background(), config.Overlay{}); err == nil {
		t.Error("no error from an engine that does not answer")
	}
	r = &mingo.Run{}
	if got, err := r.Overlay(context.Background(), config.Overlay{Push: true}); err != nil || got.Push || got.DefaultPlatforms != nil {
		t.Errorf("no engine: %+v, %v", got, err)
	}
}

// A run's summaries name the local files it wrote, a debug variant's too.
func TestRunSummaries(t *testing.T) {
	ri, err := random.Image(100, 1)
	if err != nil {
		t.Fatal(err)
	}
	p, err := platform.Parse("linux/amd64")
	if err != nil {
		t.Fatal(err)
	}
	img := func(variant string) *mingo.Image {
		return &mingo.Image{ImportPath: "example.com/app", Variant: variant, Images: []publish.PlatformImage{{Platform: p, Image: ri}}}
	}
	r := &mingo.Run{Outputs: mingo.Outputs{Tarball: "a.tar", Layout: "out"}}
	all, err := r.Summaries([]*mingo.Image{img(""), img("debug")}, nil)
	if err != nil || len(all) != 1 || all[0].Debug == nil {
		t.Fatalf("Summaries = %+v, %v; want one with its debug variant", all, err)
	}
	for _, s := range []*mingo.Summary{all[0], all[0].Debug} {
		if s.Tarball != "a.tar" || s.OCILayout != "out" || s.Reference != "" {
			t.Errorf("summary %+v: want the tarball and the layout, no reference", s)
		}
	}
}
