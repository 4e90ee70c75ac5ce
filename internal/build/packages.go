package build

import (
	"context"
	"fmt"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"golang.org/x/tools/go/packages"

	"github.com/mingo-build/mingo/internal/gotool"
)

// Package is a resolved Go main package.
type Package struct {
	// ImportPath is the package's import path, used to build it.
	ImportPath string
	// Name is the binary's name: the last element of the import path that
	// is not a major-version suffix, as `go install` names it.
	Name string
	// Dir is the package's source directory.
	Dir string
	// ModulePath and ModuleDir describe the module the package is in.
	ModulePath, ModuleDir string
	// Dependency is true for a package of a required module (from the
	// module cache), false for one in the main module or workspace.
	Dependency bool
	// WorkDir is where the package resolved and `go build` runs for it;
	// "" is the Builder's Dir.
	WorkDir string
	// Version is the module version of a package built at one
	// (PKG@VERSION, see FindVersioned); "" for one of the source here.
	Version string
}

// loadMode is what package discovery asks go/packages for.
const loadMode = packages.NeedName | packages.NeedFiles | packages.NeedModule

// FindPackage finds the main package that pattern names, from workDir (the
// current directory when empty). pattern is a directory ("./cmd/api") or an
// import path in the main module or one of its dependencies.
func FindPackage(ctx context.Context, workDir, pattern string, buildTags []string) (*Package, error) {
	if pattern == "" {
		pattern = "."
	}
	if strings.Contains(pattern, "...") {
		return nil, fmt.Errorf("package pattern %q matches many packages: name one main package, for example ./cmd/api", pattern)
	}
	pkgs, err := gotool.Load(ctx, workDir, loadMode, buildTags, pattern)
	if err != nil {
		return nil, loadFailure(pattern, err)
	}
	if len(pkgs) != 1 {
		return nil, fmt.Errorf("package pattern %q matches %d packages: name one main package", pattern, len(pkgs))
	}
	p := pkgs[0]
	if len(p.Errors) > 0 {
		return nil, loadError(ctx, workDir, pattern, p, buildTags)
	}
	if p.Name != "main" {
		return nil, notMain(ctx, workDir, pattern, p, buildTags)
	}
	return newPackage(p), nil
}

func newPackage(p *packages.Package) *Package {
	pkg := &Package{ImportPath: p.PkgPath, Name: binaryName(p.PkgPath), Dir: pkgDir(p)}
	if p.Module != nil {
		pkg.ModulePath, pkg.ModuleDir = p.Module.Path, p.Module.Dir
		pkg.Dependency = !p.Module.Main
	}
	return pkg
}

// loadError turns go/packages' error for pattern into one a user can act
// on: a package that only builds with cgo, or one that does not exist.
func loadError(ctx context.Context, workDir, pattern string, p *packages.Package, tags []string) error {
	msg := gotool.FirstLine(p.Errors[0].Msg)
	if fix := gotool.OneLine(p.Errors[0].Msg); strings.Contains(fix, "go get ") {
		// Go's own fix, such as go get for a package no required module
		// provides, which is on the message's second line.
		return fmt.Errorf("package %s not found: %s", pattern, fix)
	}
	if strings.Contains(msg, "build constraints exclude all Go files") {
		if culprits, _ := cgoPackages(ctx, workDir, p.PkgPath, nil, tags); len(culprits) > 0 {
			return cgoError(p.PkgPath, culprits)
		}
	}
	err := fmt.Errorf("package %s not found: %s; give a directory like ./cmd/api or an import path in this module or its dependencies", pattern, msg)
	if strings.Contains(msg, "no Go files") {
		// A module root or a cmd/ folder: the user likely meant a main
		// package below it.
		if mains := mainsBelow(ctx, workDir, pattern, tags); len(mains) > 0 {
			return fmt.Errorf("%s has no Go files; main packages under it: %s", pattern, strings.Join(mains, ", "))
		}
	}
	return err
}

// notMain explains that pattern is a library and lists main packages below
// it, which is usually what the user meant.
func notMain(ctx context.Context, workDir, pattern string, p *packages.Package, tags []string) error {
	err := fmt.Errorf("package %s is not a main package (it is package %s): mingo builds commands; pass a directory whose files say \"package main\"", p.PkgPath, p.Name)
	if mains := mainsBelow(ctx, workDir, pattern, tags); len(mains) > 0 {
		return fmt.Errorf("%w; main packages under it: %s", err, strings.Join(mains, ", "))
	}
	return err
}

// mainsBelow lists up to five main packages under the directory pattern
// names; nil when pattern is not a directory or the listing fails.
func mainsBelow(ctx context.Context, workDir, pattern string, tags []string) []string {
	if !strings.HasPrefix(pattern, ".") && !filepath.IsAbs(pattern) {
		return nil
	}
	below := strings.TrimSuffix(pattern, "/") + "/..."
	pkgs, err := gotool.Load(ctx, workDir, packages.NeedName, tags, below)
	if err != nil {
		return nil
	}
	var mains []string
	for _, q := range pkgs {
		if q.Name == "main" && len(q.Errors) == 0 {
			mains = append(mains, q.PkgPath)
		}
	}
	if len(mains) > 5 {
		mains = append(mains[:5], "...")
	}
	return mains
}

var majorVersion = regexp.MustCompile(`^v[0-9]+$`)

// binaryName names the binary the way `go install` does: example.com/tool/v2
// is "tool", not "v2".
func binaryName(importPath string) string {
	base := path.Base(importPath)
	if majorVersion.MatchString(base) {
		if parent := path.Base(path.Dir(importPath)); parent != "." && parent != "/" {
			return parent
		}
	}
	return base
}

func pkgDir(p *packages.Package) string {
	for _, f := range p.GoFiles {
		return filepath.Dir(f)
	}
	return ""
}

// FindPackages finds the main packages the patterns name, with one
// `go list` for all of them: out[i] holds the main packages patterns[i] names, sorted by import
// path. A directory or import path must name a main package (as FindPackage
// checks); a pattern with "..." names every main package it matches.
// skipped receives packages a "..." pattern matched that cannot build for
// the host target (for example build constraints exclude all their
// files); it may be nil. Only when a pattern fails is it listed again on
// its own, to say precisely why.
func FindPackages(ctx context.Context, workDir string, patterns, buildTags []string, skipped func(pkg, why string)) ([][]*Package, error) {
	for _, p := range patterns {
		if strings.HasSuffix(p, ".go") {
			return nil, &GoFileError{File: p}
		}
	}
	pkgs, err := gotool.Load(ctx, workDir, loadMode, buildTags, patterns...)
	if err != nil {
		return nil, loadFailure(strings.Join(patterns, " "), err)
	}
	reported := map[string]bool{}
	out := make([][]*Package, len(patterns))
	for i, pattern := range patterns {
		var matched []*packages.Package
		if match := matcher(workDir, pattern); match != nil {
			for _, p := range pkgs {
				if match(p) {
					matched = append(matched, p)
				}
			}
		}
		if !strings.Contains(pattern, "...") {
			if len(matched) == 1 && len(matched[0].Errors) == 0 && matched[0].Name == "main" {
				out[i] = []*Package{newPackage(matched[0])}
				continue
			}
			p, err := FindPackage(ctx, workDir, pattern, buildTags) // the precise error
			if err != nil {
				return nil, err
			}
			out[i] = []*Package{p}
			continue
		}
		for _, p := range matched {
			if len(p.Errors) > 0 {
				if skipped != nil && !reported[p.PkgPath] {
					skipped(p.PkgPath, gotool.FirstLine(p.Errors[0].Msg))
				}
				reported[p.PkgPath] = true
				continue
			}
			if p.Name == "main" {
				out[i] = append(out[i], newPackage(p))
			}
		}
		if len(out[i]) == 0 {
			if out[i], err = findPattern(ctx, workDir, pattern, buildTags, nil); err != nil {
				return nil, err
			}
		}
		sort.Slice(out[i], func(a, b int) bool { return out[i][a].ImportPath < out[i][b].ImportPath })
	}
	return out, nil
}

// matcher returns whether a listed package is one pattern names, as the go
// command matches: a directory pattern by the package's directory, an
// import path pattern by its import path; "..." matches any string, and
// "x/..." matches x itself too. It returns nil when it cannot tell.
func matcher(workDir, pattern string) func(*packages.Package) bool {
	isDir := pattern == "." || pattern == ".." || strings.HasPrefix(pattern, "./") || strings.HasPrefix(pattern, "../") || filepath.IsAbs(pattern)
	if !isDir {
		re := patternRegexp(pattern)
		return func(p *packages.Package) bool { return re.MatchString(p.PkgPath) }
	}
	abs := pattern
	if !filepath.IsAbs(pattern) {
		abs = filepath.Join(workDir, pattern)
	}
	abs, err := filepath.Abs(abs)
	if err != nil {
		return nil
	}
	re := patternRegexp(filepath.ToSlash(abs))
	return func(p *packages.Package) bool { return p.Dir != "" && re.MatchString(filepath.ToSlash(p.Dir)) }
}

func patternRegexp(pattern string) *regexp.Regexp {
	expr := regexp.QuoteMeta(pattern)
	expr = strings.ReplaceAll(expr, `\.\.\.`, `.*`)
	if strings.HasSuffix(expr, `/.*`) {
		expr = strings.TrimSuffix(expr, `/.*`) + `(/.*)?`
	}
	return regexp.MustCompile(`^` + expr + `$`)
}

func findPattern(ctx context.Context, workDir, pattern string, tags []string, skipped func(pkg, why string)) ([]*Package, error) {
	pkgs, err := gotool.Load(ctx, workDir, loadMode, tags, pattern)
	if err != nil {
		return nil, loadFailure(pattern, err)
	}
	var out []*Package
	for _, p := range pkgs {
		if len(p.Errors) > 0 {
			msg := gotool.FirstLine(p.Errors[0].Msg)
			if strings.Contains(msg, "matched no packages") {
				return nil, fmt.Errorf("package pattern %s matches no packages: check the path", pattern)
			}
			if skipped != nil {
				skipped(p.PkgPath, msg)
			}
			continue
		}
		if p.Name != "main" {
			continue
		}
		out = append(out, newPackage(p))
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("package pattern %s matches no main package: mingo builds commands (package main)", pattern)
	}
	return out, nil
}

// loadFailure explains why go/packages could not run at all, most often
// because there is no module here.
func loadFailure(pattern string, err error) error {
	msg := err.Error()
	if strings.Contains(msg, "go.mod file not found") {
		return fmt.Errorf("resolving %s: no Go module here (no go.mod in this directory or above): run mingo inside your module, or create one with go mod init", pattern)
	}
	if i := strings.Index(msg, "stderr: "); i >= 0 {
		msg = msg[i+len("stderr: "):]
	}
	return fmt.Errorf("resolving %s: %s", pattern, gotool.FirstLine(msg))
}

// GoFileError is a .go file given where a package is wanted: the go
// command would build it as the package command-line-arguments, which
// has no import path to build for other platforms or to name an image.
type GoFileError struct {
	File string
}

func (e *GoFileError) Error() string {
	return fmt.Sprintf("%s is a Go file, and mingo builds packages", e.File)
}

// Dir is the directory of the file, as a package pattern.
func (e *GoFileError) Dir() string {
	d := filepath.Dir(e.File)
	if d == "." || filepath.IsAbs(d) || strings.HasPrefix(d, ".") {
		return d
	}
	return "./" + d
}
