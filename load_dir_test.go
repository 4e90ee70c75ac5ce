package mingo

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/mingo-build/mingo/config"
)

// examples/mingo.yaml gives the datafiles example its files and working
// directory when a build names ./examples/... or ./examples/datafiles; the
// other examples get the flags alone; the images stay in package order.
func TestLoadConfigDirectoryFile(t *testing.T) {
	ctx := context.Background()
	datafiles := []File{{Local: "./examples/datafiles/static", Path: "/srv/static"}}
	for _, tc := range []struct {
		packages []string
		specs    [][]string // the packages of each spec
	}{
		{[]string{"./examples/..."}, [][]string{{"./examples/cli"}, {"./examples/datafiles"}, {"./examples/hello"}, {"./examples/server"}}},
		{[]string{"./examples/datafiles"}, [][]string{{"./examples/datafiles"}}},
		{[]string{"./examples/hello", "./examples/datafiles"}, [][]string{{"./examples/datafiles"}, {"./examples/hello"}}},
	} {
		over := config.Overlay{Packages: tc.packages}
		over.Image.Labels = config.Set(map[string]string{"from": "flags"})
		c, err := LoadConfig(ctx, "", over)
		if err != nil {
			t.Fatalf("%v: %v", tc.packages, err)
		}
		var got [][]string
		for _, s := range c.Specs {
			got = append(got, slices.Sorted(slices.Values(s.Packages)))
			if s.Labels["from"] != "flags" {
				t.Errorf("%v: spec %v lost the flags' label: %v", tc.packages, s.Packages, s.Labels)
			}
			isData := slices.Equal(s.Packages, []string{"./examples/datafiles"})
			if isData && (!reflect.DeepEqual(s.Files, datafiles) || s.WorkDir != "/srv") {
				t.Errorf("%v: datafiles spec has files %v, workdir %q; want %v, /srv", tc.packages, s.Files, s.WorkDir, datafiles)
			}
			if !isData && (len(s.Files) > 0 || s.WorkDir != "") {
				t.Errorf("%v: spec %v has the datafiles settings", tc.packages, s.Packages)
			}
		}
		if !reflect.DeepEqual(got, tc.specs) || !c.Plural {
			t.Errorf("%v: specs of %v (plural %v), want %v", tc.packages, got, c.Plural, tc.specs)
		}
	}
}

// A full -t reference names the one image of a package that a directory's
// mingo.yaml lists (make -C examples tarball does this), and is refused for
// a pattern naming several.
func TestLoadConfigDirectoryFileFullTag(t *testing.T) {
	ctx := context.Background()
	const ref = "mingo.local/datafiles:v0.0.0-test"
	over := config.Overlay{Packages: []string{"./examples/datafiles"}}
	over.Image.Tags = config.Set([]string{ref})
	c, err := LoadConfig(ctx, "", over)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Specs) != 1 || !slices.Equal(c.Specs[0].Tags, []string{ref}) || c.Specs[0].WorkDir != "/srv" {
		t.Fatalf("specs %+v, want one with tags [%s] and the file's workdir", c.Specs, ref)
	}
	over.Packages = []string{"./examples/..."}
	if _, err := LoadConfig(ctx, "", over); !errors.Is(err, ErrTagsForMany) {
		t.Fatalf("-t %s for ./examples/...: %v, want ErrTagsForMany", ref, err)
	}
}

// The module root's mingo.yaml is read by a build without packages only.
func TestLoadConfigModuleRootFileNotForPackages(t *testing.T) {
	dir := t.TempDir()
	for name, text := range map[string]string{
		"go.mod":        "module example.com/m\n\ngo 1.26\n",
		"cmd/a/main.go": "package main\n\nfunc main() {}\n",
		"mingo.yaml":    "images:\n  - package: ./cmd/a\n    workdir: /srv\n",
	} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(dir)
	c, err := LoadConfig(context.Background(), "", config.Overlay{Packages: []string{"./cmd/..."}})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Specs) != 1 || c.Specs[0].WorkDir != "" || !slices.Equal(c.Specs[0].Packages, []string{"./cmd/..."}) {
		t.Errorf("specs %+v, want one of ./cmd/... without the file's settings", c.Specs)
	}
}
