package build

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mingo-build/mingo/internal/gotool"
	"github.com/mingo-build/mingo/internal/layers"
	"github.com/mingo-build/mingo/platform"
)

const testModule = "testdata/mod"

func TestFindPackage(t *testing.T) {
	ctx := context.Background()
	for pattern, want := range map[string]string{
		"./cmd/hello":               "hello",
		"example.com/mod/cmd/hello": "hello",
		"./tool/v2":                 "tool",
	} {
		p, err := FindPackage(ctx, testModule, pattern, nil)
		if err != nil {
			t.Fatalf("FindPackage(%s): %v", pattern, err)
		}
		if p.Name != want || p.ModulePath != "example.com/mod" {
			t.Errorf("FindPackage(%s) = %+v, want name %s in example.com/mod", pattern, p, want)
		}
	}
}

func TestFindPackageErrors(t *testing.T) {
	for pattern, want := range map[string][]string{
		"./lib":         {"example.com/mod/lib is not a main package", "package lib"},
		".":             {"no Go files", "main packages under it: example.com/mod/cmd/hello"},
		"./missing":     {"package ./missing not found"},
		"example.com/x": {"package example.com/x not found"},
		"./cmd/...":     {"matches many packages"},
		"./cgoonly":     {"example.com/mod/cgoonly needs cgo", `imports "C" in main.go`, "pure-Go"},
	} {
		_, err := FindPackage(context.Background(), testModule, pattern, nil)
		if err == nil {
			t.Errorf("FindPackage(%s): no error", pattern)
			continue
		}
		for _, w := range want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("FindPackage(%s) = %q, want it to mention %q", pattern, err, w)
			}
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("FindPackage(%s): error is not one line: %q", pattern, err)
		}
	}
}

func TestFindPackageOutsideModule(t *testing.T) {
	_, err := FindPackage(context.Background(), t.TempDir(), ".", nil)
	if err == nil || !strings.Contains(err.Error(), "no Go module here") || strings.Contains(err.Error(), "\n") {
		t.Errorf("FindPackage outside a module = %v", err)
	}
}

func TestCheckStatic(t *testing.T) {
	err := CheckStatic("testdata/dynamic.elf")
	var dyn *DynamicError
	if !errors.As(err, &dyn) {
		t.Fatalf("CheckStatic(dynamic ELF) = %v, want a DynamicError", err)
	}
	for _, w := range []string{"ld-linux", "libc.so.6", "no such file or directory"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not mention %q", err, w)
		}
	}
	if err := CheckStatic("testdata/mod/go.mod"); err == nil {
		t.Error("CheckStatic(not an ELF) = nil")
	}
	bin := filepath.Join(t.TempDir(), "hello")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/hello")
	cmd.Dir, cmd.Env = testModule, gotool.Env(nil)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	if err := CheckStatic(bin); err != nil {
		t.Errorf("CheckStatic(static Go binary) = %v", err)
	}
}

// testBuild is one package built with one set of settings, as the tests
// describe it.
type testBuild struct {
	Builder
	Package string
	Settings
}

func testOptions(t *testing.T, dir, pkg string, plats ...string) testBuild {
	t.Helper()
	var ps []platform.Platform // none: every platform of the base
	if len(plats) > 0 {
		var err error
		if ps, err = platform.ParseList(strings.Join(plats, ",")); err != nil {
			t.Fatal(err)
		}
	}
	c, err := layers.OpenCache(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return testBuild{Builder: Builder{Dir: dir, Cache: c, Jobs: 2}, Package: pkg, Settings: Settings{Platforms: ps}}
}

// Build resolves and builds one package.
func Build(ctx context.Context, o testBuild) (*Result, error) {
	pkg, err := FindPackage(ctx, o.Dir, o.Package, o.BuildTags)
	if err != nil {
		return nil, err
	}
	res, err := o.Builder.Build(ctx, []Target{{Package: pkg, Settings: o.Settings}})
	if err != nil {
		return nil, err
	}
	return res[0], nil
}

func TestBuildCgoDependency(t *testing.T) {
	_, err := Build(context.Background(), testOptions(t, testModule, "./usescgo", "linux/amd64"))
	if err == nil {
		t.Fatal("building a package whose dependency needs cgo succeeded")
	}
	for _, w := range []string{"needs cgo", "example.com/mod/clib", `imports "C" in c.go`} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not mention %q", err, w)
		}
	}
}

// A host CGO_ENABLED=1 would make net and os/user link libc; mingo must
// still produce a static binary.
func TestBuildIgnoresHostCgo(t *testing.T) {
	t.Setenv("CGO_ENABLED", "1")
	res, err := Build(context.Background(), testOptions(t, testModule, "./cmd/netuser", "linux/amd64"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Index != nil || len(res.Images) != 1 {
		t.Fatalf("one platform should give one image and no index: %+v", res)
	}
}

func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// The same source built from two directories, with two caches, gives the
// same index digest, and the images say what they are.
func TestBuildReproducible(t *testing.T) {
	var digests []string
	for range 2 {
		dir := t.TempDir()
		copyDir(t, testModule, dir)
		res, err := Build(context.Background(), distroless(t, dir, "./cmd/hello", "linux/amd64", "linux/arm/v7"))
		if err != nil {
			t.Fatal(err)
		}
		d, err := res.Index.Digest()
		if err != nil {
			t.Fatal(err)
		}
		digests = append(digests, d.String())
		checkIndex(t, res)
	}
	if digests[0] != digests[1] {
		t.Errorf("same source, different index digests: %s vs %s", digests[0], digests[1])
	}
}

func checkIndex(t *testing.T, res *Result) {
	t.Helper()
	im, err := res.Index.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if im.MediaType != "application/vnd.oci.image.index.v1+json" || len(im.Manifests) != 2 {
		t.Fatalf("index: %+v", im)
	}
	want := []string{"linux/amd64", "linux/arm/v7"}
	for i, d := range im.Manifests {
		got := d.Platform.OS + "/" + d.Platform.Architecture
		if d.Platform.Variant != "" {
			got += "/" + d.Platform.Variant
		}
		if got != want[i] || d.MediaType != "application/vnd.oci.image.manifest.v1+json" || d.ArtifactType != "" {
			t.Errorf("descriptor %d: %+v, want platform %s", i, d, want[i])
		}
	}
	cf, err := res.Images[1].Image.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if cf.Architecture != "arm" || cf.Variant != "v7" || cf.OS != "linux" {
		t.Errorf("config platform %s/%s/%s", cf.OS, cf.Architecture, cf.Variant)
	}
	if !slices.Equal(cf.Config.Entrypoint, []string{"/usr/local/bin/hello"}) || !cf.Created.Time.Equal(cf.Created.Time.UTC()) || cf.Created.Unix() != 0 {
		t.Errorf("config: entrypoint %v, created %v", cf.Config.Entrypoint, cf.Created)
	}
	m, err := res.Images[1].Image.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Layers) != 4 || m.Layers[0].MediaType != "application/vnd.oci.image.layer.v1.tar+gzip" || m.Config.MediaType != "application/vnd.oci.image.config.v1+json" {
		t.Errorf("manifest: %+v", m)
	}
}
