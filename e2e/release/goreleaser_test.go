package release

import (
	"context"
	"debug/elf"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// .goreleaser.yaml: its settings, goreleaser check, and a snapshot build.

type goreleaserConfig struct {
	Version string `yaml:"version"`
	Dist    string `yaml:"dist"`
	Builds  []struct {
		ID           string   `yaml:"id"`
		Main         string   `yaml:"main"`
		Binary       string   `yaml:"binary"`
		Env          []string `yaml:"env"`
		Goos         []string `yaml:"goos"`
		Goarch       []string `yaml:"goarch"`
		Flags        []string `yaml:"flags"`
		Ldflags      []string `yaml:"ldflags"`
		ModTimestamp string   `yaml:"mod_timestamp"`
	} `yaml:"builds"`
	Archives []struct {
		NameTemplate    string   `yaml:"name_template"`
		Formats         []string `yaml:"formats"`
		FormatOverrides []struct {
			Goos    string   `yaml:"goos"`
			Formats []string `yaml:"formats"`
		} `yaml:"format_overrides"`
	} `yaml:"archives"`
	Checksum map[string]any `yaml:"checksum"`
}

func TestGoreleaser(t *testing.T) {
	var c goreleaserConfig
	loadYAML(t, filepath.Join(root, ".goreleaser.yaml"), &c, false)
	if c.Version != "2" {
		t.Errorf("version %q, want 2", c.Version)
	}
	if c.Dist != "" {
		t.Errorf("dist %q: keep the default; this test sets its own", c.Dist)
	}
	if len(c.Builds) != 1 {
		t.Fatalf("%d builds, want 1", len(c.Builds))
	}
	bd := c.Builds[0]
	if bd.Main != "./cmd/mingo" || !slices.Contains(bd.Env, "CGO_ENABLED=0") || !slices.Contains(bd.Flags, "-trimpath") {
		t.Errorf("build: main %q, env %q, flags %q; want ./cmd/mingo, CGO_ENABLED=0, -trimpath", bd.Main, bd.Env, bd.Flags)
	}
	if !slices.Equal(slices.Sorted(slices.Values(bd.Goos)), []string{"darwin", "linux", "windows"}) ||
		!slices.Equal(slices.Sorted(slices.Values(bd.Goarch)), []string{"amd64", "arm64"}) {
		t.Errorf("build targets %q × %q, want linux darwin windows × amd64 arm64", bd.Goos, bd.Goarch)
	}
	if ld := strings.Join(bd.Ldflags, " "); !strings.Contains(ld, "-s -w") || !strings.Contains(ld, "-X main.version={{.Version}}") {
		t.Errorf("ldflags %q, want -s -w -X main.version={{.Version}}", ld)
	}
	if bd.ModTimestamp != "{{ .CommitTimestamp }}" {
		t.Errorf("mod_timestamp %q, want {{ .CommitTimestamp }}", bd.ModTimestamp)
	}
	if len(c.Archives) != 1 || !slices.Equal(c.Archives[0].Formats, []string{"tar.gz"}) ||
		len(c.Archives[0].FormatOverrides) != 1 || c.Archives[0].FormatOverrides[0].Goos != "windows" ||
		!slices.Equal(c.Archives[0].FormatOverrides[0].Formats, []string{"zip"}) {
		t.Errorf("archives %+v, want tar.gz, and zip for windows", c.Archives)
	}
	// The README's install line downloads releases/latest/download/
	// mingo_OS_ARCH.tar.gz and checksums.txt: names without the version.
	if len(c.Archives) == 1 && c.Archives[0].NameTemplate != "{{ .ProjectName }}_{{ .Os }}_{{ .Arch }}" {
		t.Errorf("archive name_template %q, want {{ .ProjectName }}_{{ .Os }}_{{ .Arch }} (the README's install line)", c.Archives[0].NameTemplate)
	}
	if c.Checksum["name_template"] != "checksums.txt" {
		t.Errorf("checksum %v, want name_template: checksums.txt (the README's install line)", c.Checksum)
	}

	// goreleaser check. The first go run compiles GoReleaser (minutes); the
	// binary is cached after that.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	start := time.Now()
	stdout, stderr, code := goRun(ctx, t, root, nil, goreleaserPkg, "check")
	t.Logf("goreleaser check (%s, compiled on first use): %s", goreleaserPkg, time.Since(start).Round(time.Millisecond))
	if code != 0 {
		t.Fatalf("goreleaser check: exit %d\n%s\n%s", code, stdout, stderr)
	}

	// A snapshot build of the host's target, into a temporary dist.
	dist := t.TempDir()
	config := filepath.Join(t.TempDir(), "goreleaser.yaml")
	raw, err := os.ReadFile(filepath.Join(root, ".goreleaser.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(config, fmt.Appendf(raw, "\ndist: %q\n", dist), 0o644); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	stdout, stderr, code = goRun(ctx, t, root, nil, goreleaserPkg, "build", "--snapshot", "--clean", "--single-target", "--config", config)
	t.Logf("goreleaser build --snapshot --single-target: %s", time.Since(start).Round(time.Millisecond))
	if code != 0 {
		t.Fatalf("goreleaser build: exit %d\n%s\n%s", code, stdout, stderr)
	}
	bins, _ := filepath.Glob(filepath.Join(dist, "mingo_"+runtime.GOOS+"_"+runtime.GOARCH+"*", "mingo"))
	if len(bins) != 1 {
		t.Fatalf("snapshot binaries %q, want one under %s", bins, dist)
	}
	version := run(t, "", "", bins[0], "version")
	if !regexp.MustCompile(`^mingo \d+\.\d+\.\d+-snapshot\+\S+ \(go`).MatchString(version) {
		t.Errorf("mingo version = %q, want the snapshot version stamped by -X main.version", version)
	}
	f, err := elf.Open(bins[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("the release binary has an ELF interpreter: it is not static (CGO_ENABLED=0?)")
		}
	}
	if f.Section(".symtab") != nil {
		t.Error("the release binary has a symbol table: -s -w missing?")
	}
}
