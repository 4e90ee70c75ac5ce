package mingo

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/mingo-build/mingo/internal/build"
)

// ErrWithPattern is a "..." pattern among a spec's With: each names one
// program.
var ErrWithPattern = errors.New("with names one program each, not a pattern")

// ErrWithName is a With package whose binary has the name of another
// binary of the same image.
var ErrWithName = errors.New("two binaries of one image have the same name")

// withPackages resolves the spec's With packages in its directory.
func (s Spec) withPackages(ctx context.Context, o *options) ([]*build.Package, error) {
	if len(s.With) == 0 {
		return nil, nil
	}
	for _, w := range s.With {
		if strings.Contains(w, "...") {
			return nil, &SettingError{Key: "with", Err: fmt.Errorf("%s: %w", w, ErrWithPattern)}
		}
	}
	found, err := build.FindPackages(ctx, cmp.Or(s.Dir, o.build.Dir), s.With, s.BuildTags, o.skipped)
	if err != nil {
		return nil, err
	}
	var out []*build.Package
	for _, l := range found {
		for _, p := range l {
			p.WorkDir = s.Dir
			out = append(out, p)
		}
	}
	return out, nil
}

// checkWith refuses two binaries of one image named alike: they would
// overwrite each other in the batch's output directory.
func checkWith(main *build.Package, with []*build.Package) error {
	seen := map[string]string{main.Name: main.ImportPath}
	for _, p := range with {
		if other, dup := seen[p.Name]; dup && other != p.ImportPath {
			return &SettingError{Key: "with", Err: fmt.Errorf("%s and %s are both %s: %w", other, p.ImportPath, p.Name, ErrWithName)}
		}
		seen[p.Name] = p.ImportPath
	}
	return nil
}
