package build

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/mingo-build/mingo/internal/gotool"
)

// IsVersioned reports whether pattern names a package at a module version,
// PKG@VERSION, as `go install PKG@VERSION` takes it.
func IsVersioned(pattern string) bool { return strings.Contains(pattern, "@") }

// ErrVersionedDir is PKG@VERSION with a directory or a "..." pattern for
// PKG: a version selects a module from the module proxy, so it takes an
// import path.
var ErrVersionedDir = errors.New("a version takes the import path of one main package, not a directory or a pattern")

// FindVersioned finds the main package pattern (PKG@VERSION) names, as
// `go install PKG@VERSION` builds it: in a module of its own whose only
// requirement is PKG's module at VERSION (resolved to a concrete version
// when it is a query such as latest), so that neither the current
// directory's module nor the replace and exclude directives of PKG's
// module apply. The module is kept under root, named by the digest of
// its go.mod and go.sum, and is the package's WorkDir; the package's
// Version is the module version it resolved to.
func FindVersioned(ctx context.Context, root, pattern string, tags []string) (*Package, error) {
	pkgPath, query, _ := strings.Cut(pattern, "@")
	if pkgPath == "" || query == "" || strings.HasPrefix(pkgPath, ".") || filepath.IsAbs(pkgPath) || strings.Contains(pkgPath, "...") {
		return nil, fmt.Errorf("%s: %w", pattern, ErrVersionedDir)
	}
	dir, err := versionModule(ctx, root, pkgPath, query)
	if err != nil {
		return nil, fmt.Errorf("resolving %s: %w", pattern, err)
	}
	env := append(gotool.Env(nil), gotool.NoWorkspace)
	listed, err := gotool.List(ctx, dir, env, append(gotool.TagFlags(tags), pkgPath)...)
	if err != nil {
		return nil, fmt.Errorf("resolving %s: %w", pattern, err)
	}
	if len(listed) != 1 || listed[0].Module == nil {
		return nil, fmt.Errorf("resolving %s: no module provides package %s", pattern, pkgPath)
	}
	l := listed[0]
	if l.Name != "main" {
		return nil, fmt.Errorf("package %s is not a main package (it is package %s): mingo builds commands", pkgPath, l.Name)
	}
	return &Package{ImportPath: l.ImportPath, Name: binaryName(l.ImportPath), Dir: l.Dir, ModulePath: l.Module.Path, ModuleDir: l.Module.Dir,
		Dependency: true, WorkDir: dir, Version: l.Module.Version}, nil
}

// goModHeader is the go.mod of the module FindVersioned builds in, before
// `go get` adds the requirement.
const goModHeader = "module mingo.local/build\n"

// versionModule makes, under root, the module that requires pkgPath's
// module at query, and returns its directory. It is made in a new
// directory, then renamed to one named by its go.mod and go.sum: two
// builds of one version share it, and none sees it half made.
func versionModule(ctx context.Context, root, pkgPath, query string) (string, error) {
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(root, "new-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp) // after the rename, nothing
	if err := os.WriteFile(filepath.Join(tmp, "go.mod"), []byte(goModHeader), 0o644); err != nil {
		return "", err
	}
	env := append(gotool.Env(nil), gotool.NoWorkspace)
	if err := gotool.Run(ctx, tmp, env, "get", pkgPath+"@"+query); err != nil {
		return "", err
	}
	h := sha256.New()
	for _, name := range []string{"go.mod", "go.sum"} {
		b, err := os.ReadFile(filepath.Join(tmp, name))
		if err != nil && !os.IsNotExist(err) {
			return "", err
		}
		fmt.Fprintf(h, "%s %d\n%s", name, len(b), b)
	}
	dir := filepath.Join(root, fmt.Sprintf("%x", h.Sum(nil)[:12]))
	if err := os.Rename(tmp, dir); err != nil {
		if _, statErr := os.Stat(filepath.Join(dir, "go.mod")); statErr != nil {
			return "", err
		}
	}
	return dir, nil
}
