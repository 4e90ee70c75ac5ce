package main

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/mingo-build/mingo/builder"
	"github.com/mingo-build/mingo/publish"
)

// target is one image to build: a package and the names it is published
// under.
type target struct {
	pkg *builder.Package
	// tags are where it is pushed; empty with --push=false and no -t.
	tags []name.Tag
	// local names the image in a tarball or layout: tags, or a name
	// derived from the package when there are none.
	local  []name.Tag
	opts   builder.Options
	result *builder.Result
}

// isMulti reports whether the command line names packages in the plural
// (several arguments, or a ./... pattern): output is then one line per
// image, and --json an array, however many packages matched.
func isMulti(patterns []string) bool {
	return len(patterns) > 1 || len(patterns) == 1 && strings.Contains(patterns[0], "...")
}

var bareTag = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)

// targets names the image of each package from -t and --repo.
func (f *buildFlags) targets(pkgs []*builder.Package, multi bool) ([]*target, error) {
	if f.repo != "" {
		return f.repoTargets(pkgs)
	}
	if multi && len(f.tags) > 0 {
		return nil, fmt.Errorf("-t names one image, and the packages given match %d: use --repo REGISTRY/NAMESPACE to name each image after its binary, with bare -t tags", len(pkgs))
	}
	if multi && f.push {
		return nil, errors.New("nothing to push to: give --repo REGISTRY/NAMESPACE to push each package as REGISTRY/NAMESPACE/<binary>, or --push=false")
	}
	tags, err := publish.ParseTags(f.tags, f.insecure)
	if err != nil {
		return nil, err
	}
	if f.push && len(tags) == 0 {
		return nil, errors.New("nothing to push to: give --tag registry/repository:tag, or --push=false to only build (with --tarball FILE or --oci-layout DIR to keep the result)")
	}
	if f.insecure && len(tags) == 0 {
		return nil, errors.New("--insecure-registry applies to the registries in --tag, and no --tag was given")
	}
	out := make([]*target, len(pkgs))
	for i, p := range pkgs {
		out[i] = &target{pkg: p, tags: tags, local: tags}
		if len(tags) == 0 {
			t, err := name.NewTag("mingo.local/" + p.Name + ":latest")
			if err != nil {
				return nil, fmt.Errorf("naming %s: %v", p.ImportPath, err)
			}
			out[i].local = []name.Tag{t}
		}
	}
	return out, nil
}

// repoTargets names each image REPO/<binary>:TAG for every bare -t tag.
func (f *buildFlags) repoTargets(pkgs []*builder.Package) ([]*target, error) {
	tags := f.tags
	if len(tags) == 0 {
		tags = []string{"latest"}
	}
	for _, t := range tags {
		if !bareTag.MatchString(t) {
			return nil, fmt.Errorf("with --repo, -t takes a bare tag such as v1.2.0, not %q: the repository is --repo/<binary name>", t)
		}
	}
	out := make([]*target, len(pkgs))
	for i, p := range pkgs {
		refs := make([]string, len(tags))
		for j, t := range tags {
			refs[j] = strings.TrimSuffix(f.repo, "/") + "/" + p.Name + ":" + t
		}
		parsed, err := publish.ParseTags(refs, f.insecure)
		if err != nil {
			return nil, fmt.Errorf("--repo %q: %v", f.repo, err)
		}
		out[i] = &target{pkg: p, tags: parsed, local: parsed}
	}
	return out, nil
}

// allTags lists every tag of every target, for the registry check.
func allTags(targets []*target) []name.Tag {
	var out []name.Tag
	for _, t := range targets {
		out = append(out, t.tags...)
	}
	return out
}

// distinctNames refuses two images under one name: they would overwrite
// each other's tags.
func distinctNames(targets []*target) error {
	byName := map[string]string{}
	for _, t := range targets {
		for _, tag := range t.local {
			if other, dup := byName[tag.String()]; dup && other != t.pkg.ImportPath {
				return fmt.Errorf("%s and %s would both be %s: give them different repositories or tags", other, t.pkg.ImportPath, tag)
			}
			byName[tag.String()] = t.pkg.ImportPath
		}
	}
	return nil
}
