package build

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mingo-build/mingo/internal/recipe"
)

func TestFindPackages(t *testing.T) {
	got, err := FindPackages(context.Background(), testModule, []string{"./cmd/...", "example.com/mod/tool/v2", "./other/hello", "./cmd/hello"}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"example.com/mod/cmd/hello", "example.com/mod/cmd/netuser"},
		{"example.com/mod/tool/v2"},
		{"example.com/mod/other/hello"},
		{"example.com/mod/cmd/hello"},
	}
	for i, pkgs := range got {
		var paths []string
		for _, p := range pkgs {
			paths = append(paths, p.ImportPath)
		}
		if !slices.Equal(paths, want[i]) {
			t.Errorf("pattern %d: %v, want %v", i, paths, want[i])
		}
	}
	// A bad pattern among good ones gets the error FindPackage gives it alone.
	_, err = FindPackages(context.Background(), testModule, []string{"./cmd/hello", "./lib"}, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "not a main package") {
		t.Errorf("library among mains: %v", err)
	}
}

// Packages that share build settings are compiled by one go build per
// platform; two binaries with the same name go to separate batches, and
// every image holds its own program.
func TestBuildBatches(t *testing.T) {
	ctx := context.Background()
	o := testOptions(t, testModule, "", "linux/amd64", "linux/arm64")
	var mu sync.Mutex
	var builds []string
	o.Verbose = func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		if line := fmt.Sprintf(format, args...); strings.Contains(line, " go build ") {
			builds = append(builds, line)
		}
	}
	pkgs, err := findAll(ctx, testModule, []string{"./cmd/...", "./other/hello"}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var targets []Target
	for _, p := range pkgs {
		targets = append(targets, Target{Package: p, Settings: o.Settings})
	}
	// The same package twice (two images of one program) is compiled once.
	targets = append(targets, Target{Package: pkgs[1], Settings: o.Settings})
	res, err := o.Builder.Build(ctx, targets)
	if err != nil {
		t.Fatal(err)
	}
	if len(builds) != 4 {
		t.Errorf("%d go builds, want 2 per platform (hello twice):\n%s", len(builds), strings.Join(builds, "\n"))
	}
	for _, b := range builds {
		if strings.Contains(b, "cmd/hello") && strings.Contains(b, "other/hello") {
			t.Errorf("two binaries named hello in one go build: %s", b)
		}
	}
	binary := func(r *Result) string {
		t.Helper()
		m, err := r.Images[0].Image.Manifest()
		if err != nil {
			t.Fatal(err)
		}
		return m.Layers[len(m.Layers)-1].Digest.String()
	}
	if len(res) != 4 || res[0].ImportPath != "example.com/mod/cmd/hello" || res[2].ImportPath != "example.com/mod/other/hello" {
		t.Fatalf("results out of order: %v", res)
	}
	if binary(res[0]) == binary(res[2]) {
		t.Error("other/hello and cmd/hello have the same binary layer")
	}
	if binary(res[1]) != binary(res[3]) {
		t.Error("the same package built twice gave two binaries")
	}
	for _, r := range res {
		m, err := r.Index.IndexManifest()
		if err != nil {
			t.Fatal(err)
		}
		rec, err := recipe.Parse(m.Annotations[recipe.Annotation])
		if err != nil || len(r.Images) != 2 || rec.Package != r.ImportPath {
			t.Errorf("%s: %d images, recipe %+v %v", r.ImportPath, len(r.Images), rec, err)
		}
	}
}

// SOURCE_DATE_EPOCH=0 is a time like any other: it round-trips through the
// recipe, and the recipe holds a digest of the ldflags, not their value.
func TestRecipeCreatedZeroAndLDFlags(t *testing.T) {
	ctx := context.Background()
	o := testOptions(t, testModule, "", "linux/amd64")
	o.Settings.Created = time.Unix(0, 0)
	o.Settings.LDFlags = "-X main.token=SECRET"
	pkg, err := FindPackage(ctx, testModule, "./cmd/hello", nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := o.Builder.Build(ctx, []Target{{Package: pkg, Settings: o.Settings}})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := res[0].Artifact().RawManifest()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), "SECRET") {
		t.Errorf("the manifest holds the ldflags' value:\n%s", raw)
	}
	r, err := recipe.Parse(recipeJSON(t, raw))
	if err != nil {
		t.Fatal(err)
	}
	s, err := SettingsFromRecipe(r)
	if err != nil {
		t.Fatal(err)
	}
	if !s.Created.Equal(time.Unix(0, 0)) || s.Created.IsZero() {
		t.Errorf("recipe created %v, want the Unix epoch, set", s.Created)
	}
	if r.LDFlags != recipe.LDFlagsDigest("-X main.token=SECRET") || s.LDFlags != "" {
		t.Errorf("recipe ldflags %q, settings %q", r.LDFlags, s.LDFlags)
	}
}

// recipeJSON is the recipe annotation of a top manifest.
func recipeJSON(t *testing.T, manifest []byte) string {
	var m struct {
		Annotations map[string]string `json:"annotations"`
	}
	if err := json.Unmarshal(manifest, &m); err != nil {
		t.Fatal(err)
	}
	return m.Annotations[recipe.Annotation]
}

// recipeOf is the recipe on res's top manifest.
func recipeOf(t *testing.T, res *Result) *recipe.Recipe {
	t.Helper()
	raw, err := res.Artifact().RawManifest()
	if err != nil {
		t.Fatal(err)
	}
	r, err := recipe.Parse(recipeJSON(t, raw))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// findAll finds every main package the patterns name, sorted by import
// path and without duplicates.
func findAll(ctx context.Context, workDir string, patterns, buildTags []string, skipped func(pkg, why string)) ([]*Package, error) {
	perPattern, err := FindPackages(ctx, workDir, patterns, buildTags, skipped)
	if err != nil {
		return nil, err
	}
	seen := map[string]*Package{}
	for _, pkgs := range perPattern {
		for _, p := range pkgs {
			seen[p.ImportPath] = p
		}
	}
	out := slices.Collect(maps.Values(seen))
	slices.SortFunc(out, func(a, b *Package) int { return strings.Compare(a.ImportPath, b.ImportPath) })
	return out, nil
}
