package mingo

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/mingo-build/mingo/config"
)

func writeConfig(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "mingo.yaml")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadConfigOverlayWins(t *testing.T) {
	path := writeConfig(t, `repo: reg.example.com/file
images:
  - package: ./cmd/api
    tags: [v1]
    platforms: [linux/arm64]
    env: {A: file, B: file}
    base: scratch
  - package: ./cmd/worker
    repository: reg.example.com/other/worker
    tzdata: false
`)
	var over config.Overlay
	over.Repo = config.Set("reg.example.com/flag")
	over.Image.Env = config.Set(map[string]string{"B": "flag", "C": "flag"})
	over.Image.Platforms = config.Set([]string{"linux/amd64"})
	over.Image.TZData = config.Set(true)
	cfg, err := LoadConfig(context.Background(), path, over)
	if err != nil {
		t.Fatal(err)
	}
	api, worker := cfg.Specs[0], cfg.Specs[1]
	if api.Repo != "reg.example.com/flag" || !reflect.DeepEqual(api.Tags, []string{"v1"}) {
		t.Errorf("api named %s %v, want the overlay's repo and the file's tags", api.Repo, api.Tags)
	}
	if got := strings.Join(api.Env, " "); got != "A=file B=flag C=flag" {
		t.Errorf("env = %s, want the file's and the overlay's merged, the overlay winning, in key order", got)
	}
	if len(api.Platforms) != 1 || api.Platforms[0].String() != "linux/amd64" {
		t.Errorf("platforms = %v, want the overlay's", api.Platforms)
	}
	if api.Base != BaseScratch || api.CACerts || !api.TZData || api.User != "" {
		t.Errorf("api base %q ca %t tzdata %t user %q: want scratch's defaults and the overlay's tzdata", api.Base, api.CACerts, api.TZData, api.User)
	}
	if worker.Repo != "" || !reflect.DeepEqual(worker.Tags, []string{"reg.example.com/other/worker:latest"}) {
		t.Errorf("worker named %q %v, want its repository", worker.Repo, worker.Tags)
	}
	if !worker.CACerts || !worker.TZData || worker.User != "nonroot" {
		t.Errorf("worker: want distroless defaults with the overlay's tzdata: %+v", worker)
	}
	if !cfg.Plural || cfg.Path != path {
		t.Errorf("config = %+v", cfg)
	}
}

func TestLoadConfigLocatesErrors(t *testing.T) {
	path := writeConfig(t, "images:\n  - package: ./cmd/api\n    expose: [\"99999\"]\n")
	_, err := LoadConfig(context.Background(), path, config.Overlay{})
	var ve *config.ValueError
	if !errors.As(err, &ve) || ve.Path != path || ve.Line != 3 || ve.Key != "expose" || ve.Image != 0 {
		t.Fatalf("error %v (%+v), want images[0].expose at line 3", err, ve)
	}
	if !strings.HasPrefix(err.Error(), path+":3: images[0].expose: port 99999") {
		t.Errorf("error = %q", err)
	}
	// The same value set by an overlay has no file: the caller names it.
	var over config.Overlay
	over.Packages = []string{"./cmd/api"}
	over.Image.Volumes = config.Set([]string{"data"})
	_, err = LoadConfig(context.Background(), "", over)
	if !errors.As(err, &ve) || ve.Path != "" || ve.Key != "volumes" {
		t.Errorf("overlay error %v, want volumes without a path", err)
	}
}

func TestLoadConfigNames(t *testing.T) {
	for _, tc := range []struct {
		name string
		over config.Overlay
		want error
	}{
		{"push without a name", config.Overlay{Packages: []string{"./cmd/api"}, Push: true}, ErrNoName},
		{"full tags for a pattern", config.Overlay{Packages: []string{"./cmd/..."}, Image: config.Image{Tags: config.Set([]string{"reg/a:v1"})}}, ErrTagsForMany},
		{"insecure without tags", config.Overlay{Packages: []string{"."}, Insecure: true}, ErrInsecureNoTag},
		{"file and packages", config.Overlay{Packages: []string{"."}}, ErrPackagesAndFile},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := ""
			if tc.want == ErrPackagesAndFile {
				path = writeConfig(t, "images:\n  - package: .\n")
			}
			if _, err := LoadConfig(context.Background(), path, tc.over); !errors.Is(err, tc.want) {
				t.Errorf("error %v, want %v", err, tc.want)
			}
		})
	}
	path := writeConfig(t, "images:\n  - package: ./cmd/api\n")
	if _, err := LoadConfig(context.Background(), path, config.Overlay{Push: true}); !errors.Is(err, ErrNoRepository) {
		t.Errorf("a pushed file image without a repository: %v", err)
	}
}

// DefaultPlatforms (the engine's platform, for a build it loads) stand in
// only where neither the overlay nor the file names platforms.
func TestLoadConfigDefaultPlatforms(t *testing.T) {
	path := writeConfig(t, `repo: reg.example.com/file
images:
  - package: ./cmd/api
    platforms: [linux/arm64, linux/amd64]
  - package: ./cmd/worker
`)
	over := config.Overlay{DefaultPlatforms: []string{"linux/riscv64"}}
	cfg, err := LoadConfig(context.Background(), path, over)
	if err != nil {
		t.Fatal(err)
	}
	got := []string{}
	for _, s := range cfg.Specs {
		got = append(got, platformList(s))
	}
	if strings.Join(got, " ") != "linux/arm64,linux/amd64 linux/riscv64" {
		t.Errorf("platforms %v, want the file's, then the default", got)
	}
	over.Packages = []string{"./cmd/api"}
	cfg, err = LoadConfig(context.Background(), "", over)
	if err != nil || platformList(cfg.Specs[0]) != "linux/riscv64" {
		t.Errorf("packages without platforms: %v, %v", cfg, err)
	}
	over.Image.Platforms = config.Set([]string{"linux/amd64"})
	cfg, err = LoadConfig(context.Background(), "", over)
	if err != nil || platformList(cfg.Specs[0]) != "linux/amd64" {
		t.Errorf("--platform with a default: %v, %v", cfg, err)
	}
}

func platformList(s Spec) string {
	var out []string
	for _, p := range s.Platforms {
		out = append(out, p.String())
	}
	return strings.Join(out, ",")
}
