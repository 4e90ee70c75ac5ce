package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/mingo-build/mingo/config"
)

func writeKo(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), config.KoName)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadKo(t *testing.T) {
	p := writeKo(t, `defaultBaseImage: cgr.dev/chainguard/static
defaultPlatforms: [linux/arm64, linux/amd64]
defaultEnv: [CGO_ENABLED=0]
defaultFlags: [-trimpath]
defaultLdflags: ["-X main.mode=default"]
baseImageOverrides:
  example.com/two/cmd/b: scratch
builds:
  - id: a
    main: ./cmd/a
    flags: -tags=netgo,osusergo -trimpath
    ldflags:
      - -X main.version={{.Env.VERSION}}
  - id: b
    dir: two
    main: ./cmd/b
`)
	dir := filepath.Dir(p)
	os.MkdirAll(filepath.Join(dir, "two"), 0o755)
	os.WriteFile(filepath.Join(dir, "two", "go.mod"), []byte("module example.com/two\n"), 0o644)
	f, err := config.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if !f.Ko || len(f.Images) != 2 {
		t.Fatalf("Ko %t, %d images, want a ko file with 2", f.Ko, len(f.Images))
	}
	a, b := f.Images[0], f.Images[1]
	if a.Package.V != "./cmd/a" || a.Line != 9 || a.Base.V != "cgr.dev/chainguard/static" {
		t.Errorf("a: package %q line %d base %q", a.Package.V, a.Line, a.Base.V)
	}
	if !reflect.DeepEqual(a.BuildTags.V, []string{"netgo", "osusergo"}) || a.LDFlags.V != "-X main.version={{.Env.VERSION}}" {
		t.Errorf("a: tags %v ldflags %q", a.BuildTags.V, a.LDFlags.V)
	}
	if !reflect.DeepEqual(a.Platforms.V, []string{"linux/arm64", "linux/amd64"}) {
		t.Errorf("a: platforms %v", a.Platforms.V)
	}
	if b.Dir.V != filepath.Join(dir, "two") || b.Base.V != "scratch" || b.LDFlags.V != "-X main.mode=default" {
		t.Errorf("b: dir %q base %q ldflags %q", b.Dir.V, b.Base.V, b.LDFlags.V)
	}
}

func TestLoadKoRefusals(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"builds:\n  - id: api\n    main: .\n    flags: [-toolexec=/bin/true]\n", `.ko.yaml:4: builds[0] (id api): flags: -toolexec=/bin/true: go build flag not supported`},
		{"builds:\n  - main: .\n    env: [CGO_ENABLED=1]\n", `.ko.yaml:3: builds[0]: env: CGO_ENABLED=1: mingo sets the build environment itself: cgo is off`},
		{"builds:\n  - main: .\n    env: [GOARCH=arm64]\n", `.ko.yaml:3: builds[0]: env: GOARCH=arm64: mingo sets the build environment itself: the platforms set the target`},
		{"builds:\n  - main: .\n    env: [GOEXPERIMENT=foo]\n", `GOEXPERIMENT=foo: mingo sets the build environment itself and does not pass other variables`},
		{"defaultFlags: [-race]\n", `.ko.yaml:1: defaultFlags: -race: go build flag not supported`},
		{"builds:\n  - main: .\n    hooks: {}\n", `.ko.yaml:3: unknown key "hooks"`},
		{"defaultBase: x\n", `.ko.yaml:1: unknown key "defaultBase"`},
	} {
		_, err := config.Load(writeKo(t, tc.text))
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: error %v, want one line with %q", tc.text, err, tc.want)
		}
	}
	_, err := config.Load(writeKo(t, "builds:\n  - main: .\n    flags: -gcflags=all=-N\n"))
	if !errors.Is(err, config.ErrKoFlag) {
		t.Errorf("-gcflags: %v, want ErrKoFlag", err)
	}
}

func TestFindKo(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv("KO_CONFIG_PATH", "")
	if p, err := config.FindKo(); p != "" || err != nil {
		t.Errorf("no .ko.yaml: %q, %v", p, err)
	}
	other := t.TempDir()
	os.WriteFile(filepath.Join(other, config.KoName), []byte("{}\n"), 0o644)
	t.Setenv("KO_CONFIG_PATH", other)
	if p, err := config.FindKo(); p != filepath.Join(other, config.KoName) || err != nil {
		t.Errorf("KO_CONFIG_PATH a directory: %q, %v", p, err)
	}
	t.Setenv("KO_CONFIG_PATH", filepath.Join(other, "missing.yaml"))
	if _, err := config.FindKo(); err == nil {
		t.Error("KO_CONFIG_PATH missing: no error")
	}
}

func TestExpandKoTemplates(t *testing.T) {
	vars := func() config.Vars {
		return config.Vars{Date: "2024-05-01T00:00:00Z", Env: map[string]string{"V": "1.0"}, Git: config.Git{ShortCommit: "abc1234"}}
	}
	got, err := config.Expand("-X m.v={{.Env.V}} -X m.c={{.Git.ShortCommit}} -X m.d={{.Date}}", vars)
	if err != nil || got != "-X m.v=1.0 -X m.c=abc1234 -X m.d=2024-05-01T00:00:00Z" {
		t.Errorf("Expand = %q, %v", got, err)
	}
	if _, err := config.Expand("{{.Env.NOPE}}", vars); err == nil {
		t.Error("an unset variable: no error")
	}
}
