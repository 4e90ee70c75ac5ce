package mingo

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/mingo-build/mingo/internal/build"
)

// Target is one image to build: a main package that Resolve found, with
// its spec's settings and its names.
type Target struct {
	// ImportPath is the package's import path, Binary its binary's name.
	ImportPath, Binary string
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
		found, err := build.FindPackages(ctx, dir, patterns, first.BuildTags, o.skipped)
		if err != nil {
			return nil, err
		}
		for _, l := range found {
			for _, p := range l {
				p.WorkDir = first.Dir
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
			targets = append(targets, Target{ImportPath: p.ImportPath, Binary: p.Name, Tags: tags, Names: names, t: t,
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
