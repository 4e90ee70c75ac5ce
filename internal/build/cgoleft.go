package build

import (
	"context"
	"fmt"
	gobuild "go/build"
	"go/parser"
	"go/token"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"github.com/mingo-build/mingo/internal/gotool"
	"github.com/mingo-build/mingo/platform"
)

// knownStubs are packages whose pure-Go side, what CGO_ENABLED=0 builds,
// is a stub that fails at run time, with a pure-Go alternative.
var knownStubs = map[string]string{
	"github.com/mattn/go-sqlite3": "modernc.org/sqlite",
}

// CgoStubError is a dependency whose cgo files CGO_ENABLED=0 leaves out
// and whose pure-Go side is a known stub: the image would build and then
// fail at run time.
type CgoStubError struct {
	ImportPath string
	// CgoFiles are the files left out; Alternative a pure-Go package that
	// does the same.
	CgoFiles    []string
	Alternative string
}

func (e *CgoStubError) Error() string {
	return fmt.Sprintf("package %s needs cgo: CGO_ENABLED=0 leaves out %s, and its pure-Go side is a stub that fails at run time; use a pure-Go alternative such as %s",
		e.ImportPath, strings.Join(e.CgoFiles, ", "), e.Alternative)
}

// checkCgo looks, while b compiles, for packages in its graph whose cgo
// files CGO_ENABLED=0 leaves out: a warning for each, naming its files,
// and an error for a known stub. A failed look is only logged.
func (s *session) checkCgo(ctx context.Context, b *batch) error {
	var pkgs []string
	for _, p := range b.pkgs {
		pkgs = append(pkgs, p.ImportPath)
	}
	found, err := leftOutCgo(ctx, b.dir, b.env(), b.platform, b.buildTags, pkgs)
	if err != nil {
		s.logf("not checking for cgo files left out: %v", err)
		return nil
	}
	for _, q := range found {
		if alt, ok := knownStubs[q.ImportPath]; ok {
			return &CgoStubError{ImportPath: q.ImportPath, CgoFiles: q.CgoFiles, Alternative: alt}
		}
	}
	for _, q := range found {
		s.warnf("package %s: CGO_ENABLED=0 leaves out its cgo files %s; its pure-Go side is built instead", q.ImportPath, strings.Join(q.CgoFiles, ", "))
	}
	return nil
}

// cgoChecks are the batches to check for cgo files left out: one per
// directory and build tags, with every package of those batches, for the
// first platform (cgo files seldom differ between Linux platforms).
func cgoChecks(batches []*batch) []*batch {
	var out []*batch
	seen := map[string]*batch{}
	for _, b := range batches {
		k := b.dir + "\x00" + strings.Join(b.buildTags, ",")
		c, ok := seen[k]
		if !ok {
			c = &batch{platform: b.platform, buildTags: b.buildTags, dir: b.dir, standalone: b.standalone}
			seen[k] = c
			out = append(out, c)
		}
		for _, p := range b.pkgs {
			if !slices.Contains(c.pkgs, p) {
				c.pkgs = append(c.pkgs, p)
			}
		}
	}
	return out
}

// leftOutCgo lists the non-standard packages in the graph of pkgs, built
// for p with tags in the go command's environment env, whose cgo files
// CGO_ENABLED=0 leaves out: Go files that build with cgo and not without,
// or that import "C". Memoized with the list it reads: its answer only
// warns (and names a known stub), so a stale one cannot change what is
// built. The name holds this Go's version, whose release tags go/build
// matches files with.
func leftOutCgo(ctx context.Context, dir string, env []string, p platform.Platform, tags, pkgs []string) ([]cgoPackage, error) {
	args := append([]string{"-e", "-deps"}, gotool.TagFlags(tags)...)
	name := "cgo files left out 1 " + runtime.Version()
	return gotool.ListDerived(ctx, name, dir, env, func(listed []*gotool.ListedPackage) ([]cgoPackage, error) {
		return leftOutIn(listed, p, tags), nil
	}, append(args, pkgs...)...)
}

// leftOutIn is leftOutCgo's answer from the listed packages.
func leftOutIn(listed []*gotool.ListedPackage, p platform.Platform, tags []string) []cgoPackage {
	on := gobuild.Default
	on.GOOS, on.GOARCH, on.BuildTags, on.CgoEnabled = p.OS, p.Arch, tags, true
	off := on
	off.CgoEnabled = false
	var out []cgoPackage
	for _, q := range listed {
		if q.Standard {
			continue
		}
		var files []string
		for _, f := range q.IgnoredGoFiles {
			if !strings.HasSuffix(f, "_test.go") && leftOut(&on, &off, q.Dir, f) {
				files = append(files, f)
			}
		}
		if len(files) > 0 {
			out = append(out, cgoPackage{ImportPath: q.ImportPath, CgoFiles: files})
		}
	}
	return out
}

// leftOut reports whether file name in dir builds with cgo (on) and not
// without (off): its constraints say cgo, or it imports "C".
func leftOut(on, off *gobuild.Context, dir, name string) bool {
	if ok, err := on.MatchFile(dir, name); err != nil || !ok {
		return false
	}
	if ok, err := off.MatchFile(dir, name); err == nil && !ok {
		return true
	}
	f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(dir, name), nil, parser.ImportsOnly)
	if err != nil {
		return false
	}
	for _, imp := range f.Imports {
		if imp.Path.Value == `"C"` {
			return true
		}
	}
	return false
}
