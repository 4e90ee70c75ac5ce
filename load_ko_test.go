package mingo

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/mingo-build/mingo/config"
)

func TestLoadConfigKo(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, config.KoName)
	os.WriteFile(p, []byte(`defaultPlatforms: [linux/arm64]
builds:
  - id: api
    main: ./cmd/api
    ldflags: ["-X main.v={{.Env.KO_TEST_VERSION}}"]
  - id: tool
    dir: tool
    main: .
    flags: [-tags, extra]
`), 0o644)
	t.Setenv("KO_TEST_VERSION", "1.2.3")
	t.Setenv("KO_DATA_DATE_EPOCH", "1700000000")
	var over config.Overlay
	over.Repo, over.Push, over.Naming = config.Set("reg.example.com/ko"), true, config.Set(NameImportPath)
	cfg, err := LoadConfig(context.Background(), p, over)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Specs) != 2 || !cfg.Plural {
		t.Fatalf("%d specs, plural %t: want both builds", len(cfg.Specs), cfg.Plural)
	}
	api, tool := cfg.Specs[0], cfg.Specs[1]
	if api.LDFlags != "-X main.v=1.2.3" || api.Repo != "reg.example.com/ko" || api.Naming != NameImportPath || api.Dir != "" {
		t.Errorf("api: ldflags %q repo %q naming %q dir %q", api.LDFlags, api.Repo, api.Naming, api.Dir)
	}
	if len(api.Platforms) != 1 || api.Platforms[0].String() != "linux/arm64" || api.DataCreated.Unix() != 1700000000 {
		t.Errorf("api: platforms %v, data time %v", api.Platforms, api.DataCreated)
	}
	if tool.Dir != filepath.Join(dir, "tool") || !reflect.DeepEqual(tool.BuildTags, []string{"extra"}) || !reflect.DeepEqual(tool.Packages, []string{"."}) {
		t.Errorf("tool: dir %q tags %v packages %v", tool.Dir, tool.BuildTags, tool.Packages)
	}

	// Packages given: the build whose main names one, else the defaults.
	over.Packages = []string{"./cmd/api", "./cmd/other"}
	cfg, err = LoadConfig(context.Background(), p, over)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Specs) != 2 || cfg.Specs[0].LDFlags != "-X main.v=1.2.3" || cfg.Specs[1].LDFlags != "" {
		t.Errorf("with packages: %+v", cfg.Specs)
	}
}

func TestLoadConfigKoFound(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv("KO_CONFIG_PATH", "")
	os.WriteFile(config.KoName, []byte("defaultBaseImage: scratch\n"), 0o644)
	var over config.Overlay
	over.Packages = []string{"./cmd/x"}
	cfg, err := LoadConfig(context.Background(), "", over)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Path != config.KoName || len(cfg.Specs) != 1 || cfg.Specs[0].Base != BaseScratch {
		t.Errorf("path %q specs %+v: want .ko.yaml's base", cfg.Path, cfg.Specs)
	}
}

// Under KO_DOCKER_REPO (the overlay's DefaultRepo), images keep the names
// ko gives them unless a naming flag chose; --repo keeps mingo's default.
func TestKoDefaultNaming(t *testing.T) {
	for _, c := range []struct {
		name string
		over config.Overlay
		want string
	}{
		{"KO_DOCKER_REPO", config.Overlay{DefaultRepo: config.Set("reg.example.com/ko")}, NameHashed},
		{"KO_DOCKER_REPO -B", config.Overlay{DefaultRepo: config.Set("reg.example.com/ko"), Naming: config.Set(NameBinary)}, NameBinary},
		{"--repo", config.Overlay{Repo: config.Set("reg.example.com/ko"), DefaultRepo: config.Set("reg.example.com/other")}, NameBinary},
	} {
		c.over.Packages = []string{"./cmd/app"}
		cfg, err := LoadConfig(context.Background(), "", c.over)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := cfg.Specs[0].Naming; got != c.want {
			t.Errorf("%s: naming %q, want %q", c.name, got, c.want)
		}
	}
	// The value ko gives, computed with md5sum(1) over the lowercased path.
	if got, want := hashedName("example.com/KoFixture/cmd/App"), "app-5351dd7d01b150c810b07f6016319990"; got != want {
		t.Errorf("hashedName = %q, want %q", got, want)
	}
}
