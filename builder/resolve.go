package builder

import (
	"context"
	"fmt"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"golang.org/x/tools/go/packages"
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
}

// Resolve finds the main package that pattern names, from workDir (the
// current directory when empty). pattern is a directory ("./cmd/api") or an
// import path in the main module or one of its dependencies.
func Resolve(ctx context.Context, workDir, pattern string, tags []string) (*Package, error) {
	if pattern == "" {
		pattern = "."
	}
	if strings.Contains(pattern, "...") {
		return nil, fmt.Errorf("package pattern %q matches many packages: name one main package, for example ./cmd/api", pattern)
	}
	cfg := &packages.Config{
		Context:    ctx,
		Mode:       packages.NeedName | packages.NeedFiles | packages.NeedModule,
		Dir:        workDir,
		Env:        buildEnv(nil),
		BuildFlags: tagFlags(tags),
	}
	pkgs, err := packages.Load(cfg, pattern)
	if err != nil {
		return nil, loadFailure(pattern, err)
	}
	if len(pkgs) != 1 {
		return nil, fmt.Errorf("package pattern %q matches %d packages: name one main package", pattern, len(pkgs))
	}
	p := pkgs[0]
	if len(p.Errors) > 0 {
		return nil, loadError(ctx, workDir, pattern, p, tags)
	}
	if p.Name != "main" {
		return nil, notMain(ctx, workDir, pattern, p, tags)
	}
	return newPackage(p), nil
}

func newPackage(p *packages.Package) *Package {
	pkg := &Package{ImportPath: p.PkgPath, Name: binaryName(p.PkgPath), Dir: pkgDir(p)}
	if p.Module != nil {
		pkg.ModulePath, pkg.ModuleDir = p.Module.Path, p.Module.Dir
	}
	return pkg
}

// loadError turns go/packages' error for pattern into one a user can act
// on: a package that only builds with cgo, or one that does not exist.
func loadError(ctx context.Context, workDir, pattern string, p *packages.Package, tags []string) error {
	msg := firstLine(p.Errors[0].Msg)
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
	pkgs, err := packages.Load(&packages.Config{Context: ctx, Mode: packages.NeedName, Dir: workDir, Env: buildEnv(nil), BuildFlags: tagFlags(tags)}, below)
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

func tagFlags(tags []string) []string {
	if len(tags) == 0 {
		return nil
	}
	return []string{"-tags=" + strings.Join(tags, ",")}
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSuffix(strings.TrimSpace(s), ":")
}

// ResolveAll resolves every package the patterns name: directories and
// import paths as Resolve does (each must be a main package), and patterns
// with "..." to every main package they match. The result is sorted by
// import path and has no duplicates. skipped receives packages a "..."
// pattern matched but that cannot build for the host target (for example
// build constraints exclude all their files); it may be nil.
func ResolveAll(ctx context.Context, workDir string, patterns, tags []string, skipped func(pkg, why string)) ([]*Package, error) {
	if len(patterns) == 0 {
		patterns = []string{"."}
	}
	seen := map[string]*Package{}
	for _, pattern := range patterns {
		var pkgs []*Package
		var err error
		if strings.Contains(pattern, "...") {
			pkgs, err = resolvePattern(ctx, workDir, pattern, tags, skipped)
		} else {
			var p *Package
			p, err = Resolve(ctx, workDir, pattern, tags)
			pkgs = []*Package{p}
		}
		if err != nil {
			return nil, err
		}
		for _, p := range pkgs {
			seen[p.ImportPath] = p
		}
	}
	out := make([]*Package, 0, len(seen))
	for _, p := range seen {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ImportPath < out[j].ImportPath })
	return out, nil
}

func resolvePattern(ctx context.Context, workDir, pattern string, tags []string, skipped func(pkg, why string)) ([]*Package, error) {
	pkgs, err := packages.Load(&packages.Config{
		Context:    ctx,
		Mode:       packages.NeedName | packages.NeedFiles | packages.NeedModule,
		Dir:        workDir,
		Env:        buildEnv(nil),
		BuildFlags: tagFlags(tags),
	}, pattern)
	if err != nil {
		return nil, loadFailure(pattern, err)
	}
	var out []*Package
	for _, p := range pkgs {
		if len(p.Errors) > 0 {
			msg := firstLine(p.Errors[0].Msg)
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
	return fmt.Errorf("resolving %s: %s", pattern, firstLine(msg))
}
