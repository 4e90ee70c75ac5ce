package mingo

import (
	"cmp"
	"context"
	"path/filepath"
	"slices"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/mingo-build/mingo/internal/build"
	"github.com/mingo-build/mingo/internal/layers"
)

// Target is one image to build: a main package that Resolve found, with
// its spec's settings and its names.
type Target struct {
	// ImportPath is the package's import path, Binary its binary's name.
	ImportPath, Binary string
	// Version is the module version the package was built at, for a
	// PKG@VERSION pattern (a query such as latest resolved); "" for a
	// package of the source here.
	Version string
	// Tags are the registry tags the image is pushed to (none when it is
	// not pushed); Names are what local outputs (a tarball, a layout, an
	// engine) call it: the tags, or mingo.local/<binary>:latest.
	Tags, Names []name.Tag
	t           build.Target
	// debug and toolbox are the spec's Debug and Toolbox.
	debug   bool
	toolbox string
}

func internalTargets(targets []Target) []build.Target {
	out := make([]build.Target, len(targets))
	for i, t := range targets {
		out[i] = t.t
	}
	return out
}

// resolve lists every spec's packages, with one package load per
// directory and set of build tags, and names their images.
func resolve(ctx context.Context, o *options, specs []Spec) ([]Target, error) {
	byTags := map[string][]int{}
	var order []string
	for i, s := range specs {
		k := s.Dir + "\x00" + strings.Join(s.BuildTags, ",")
		if _, ok := byTags[k]; !ok {
			order = append(order, k)
		}
		byTags[k] = append(byTags[k], i)
	}
	pkgs := make([][]*build.Package, len(specs))
	for _, k := range order {
		var patterns []string
		for _, i := range byTags[k] {
			patterns = append(patterns, specs[i].patterns()...)
		}
		first := specs[byTags[k][0]]
		dir := cmp.Or(first.Dir, o.build.Dir)
		found, err := findPackages(ctx, o, dir, patterns, first.BuildTags)
		if err != nil {
			return nil, err
		}
		for _, l := range found {
			for _, p := range l {
				if p.Version == "" {
					p.WorkDir = first.Dir
				}
			}
		}
		for _, i := range byTags[k] {
			n := len(specs[i].patterns())
			pkgs[i] = uniqueSorted(found[:n])
			found = found[n:]
		}
	}
	var targets []Target
	for i, s := range specs {
		settings, err := s.settings()
		if err != nil {
			return nil, err
		}
		with, err := s.withPackages(ctx, o)
		if err != nil {
			return nil, err
		}
		for _, p := range pkgs[i] {
			if err := checkWith(p, with); err != nil {
				return nil, err
			}
			tags, names, err := s.names(p, len(pkgs[i]) > 1 || s.plural())
			if err != nil {
				return nil, err
			}
			t := build.Target{Package: p, With: with, Settings: settings, Tags: tags, Names: names}
			targets = append(targets, Target{ImportPath: p.ImportPath, Version: p.Version, Binary: p.Name, Tags: tags, Names: names, t: t,
				debug: s.Debug, toolbox: s.Toolbox})
		}
	}
	return targets, nil
}

func (s Spec) patterns() []string {
	if len(s.Packages) == 0 {
		return []string{"."}
	}
	return s.Packages
}

// plural reports whether the spec names packages in the plural (several
// patterns, or a "..." pattern), however many packages matched.
func (s Spec) plural() bool {
	return len(s.Packages) > 1 || len(s.Packages) == 1 && strings.Contains(s.Packages[0], "...")
}

// uniqueSorted merges the packages of several patterns, sorted by import
// path.
func uniqueSorted(lists [][]*build.Package) []*build.Package {
	seen := map[string]bool{}
	var out []*build.Package
	for _, l := range lists {
		for _, p := range l {
			if !seen[p.ImportPath] {
				seen[p.ImportPath] = true
				out = append(out, p)
			}
		}
	}
	slices.SortFunc(out, func(a, b *build.Package) int { return strings.Compare(a.ImportPath, b.ImportPath) })
	return out
}

// findPackages is build.FindPackages for the patterns, but that each
// PKG@VERSION pattern resolves on its own, in a module of its own kept in
// the cache (see build.FindVersioned).
func findPackages(ctx context.Context, o *options, dir string, patterns, tags []string) ([][]*build.Package, error) {
	var local []string
	for _, p := range patterns {
		if !build.IsVersioned(p) {
			local = append(local, p)
		}
	}
	var found [][]*build.Package
	if len(local) > 0 {
		var err error
		if found, err = build.FindPackages(ctx, dir, local, tags, o.skipped); err != nil {
			return nil, err
		}
	}
	out := make([][]*build.Package, 0, len(patterns))
	for _, p := range patterns {
		if !build.IsVersioned(p) {
			out, found = append(out, found[0]), found[1:]
			continue
		}
		root, err := modulesDir(o.cacheDir)
		if err != nil {
			return nil, err
		}
		pkg, err := build.FindVersioned(ctx, root, p, tags)
		if err != nil {
			return nil, err
		}
		out = append(out, []*build.Package{pkg})
	}
	return out, nil
}

// modulesDir is where the modules of PKG@VERSION builds are kept: in the
// cache directory (see WithCacheDir).
func modulesDir(cacheDir string) (string, error) {
	c, err := layers.OpenDefault(cacheDir, false)
	if err != nil {
		return "", err
	}
	return filepath.Join(c.Dir(), "modules"), nil
}
