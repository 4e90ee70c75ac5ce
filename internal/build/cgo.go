package build

import (
	"context"
	"fmt"
	"strings"

	"github.com/mingo-build/mingo/internal/gotool"
	"github.com/mingo-build/mingo/platform"
)

// cgoPackage is a non-standard package that has files importing "C".
type cgoPackage struct {
	ImportPath string
	CgoFiles   []string
	// NoFallback is set when the package does not load at all without cgo.
	NoFallback bool
}

// cgoPackages lists the packages in importPath's dependency graph (itself
// included) that use cgo, for platform p (nil: the host). go/packages folds
// cgo files into GoFiles, so this asks `go list`, once with cgo and once
// without, to tell which of them have no pure-Go fallback. The standard
// library is left out: net and os/user fall back to pure Go by themselves.
func cgoPackages(ctx context.Context, workDir, importPath string, p *platform.Platform, tags []string) ([]cgoPackage, error) {
	withCgo, err := goList(ctx, workDir, importPath, p, tags, true)
	if err != nil {
		return nil, err
	}
	withoutCgo, err := goList(ctx, workDir, importPath, p, tags, false)
	if err != nil {
		return nil, err
	}
	broken := map[string]bool{}
	for _, q := range withoutCgo {
		if q.Error != nil {
			broken[q.ImportPath] = true
		}
	}
	var out []cgoPackage
	for _, q := range withCgo {
		if q.Standard || len(q.CgoFiles) == 0 {
			continue
		}
		out = append(out, cgoPackage{ImportPath: q.ImportPath, CgoFiles: q.CgoFiles, NoFallback: broken[q.ImportPath]})
	}
	return out, nil
}

// goList lists importPath and its dependencies for platform p (nil: the
// host), with cgo or without, keeping packages that do not load (-e).
func goList(ctx context.Context, workDir, importPath string, p *platform.Platform, tags []string, cgo bool) ([]*gotool.ListedPackage, error) {
	env := gotool.Env(p)
	if cgo {
		env = append(env, "CGO_ENABLED=1")
	}
	args := append([]string{"-e", "-deps"}, gotool.TagFlags(tags)...)
	return gotool.List(ctx, workDir, env, append(args, importPath)...)
}

// cgoError explains that target cannot be built without cgo, naming the
// packages and files to blame (those with no pure-Go fallback first).
func cgoError(target string, pkgs []cgoPackage) error {
	var blame []cgoPackage
	for _, q := range pkgs {
		if q.NoFallback {
			blame = append(blame, q)
		}
	}
	if len(blame) == 0 {
		blame = pkgs
	}
	var names []string
	for _, q := range blame {
		names = append(names, fmt.Sprintf("package %s imports \"C\" in %s", q.ImportPath, strings.Join(q.CgoFiles, ", ")))
	}
	return fmt.Errorf("%s needs cgo, which a static image cannot have: %s, with no pure-Go fallback; switch to a pure-Go alternative (for example modernc.org/sqlite for mattn/go-sqlite3) or build tags that select one (netgo, osusergo)",
		target, strings.Join(names, "; "))
}
