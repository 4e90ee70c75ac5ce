package build

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"strings"

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

type listedPackage struct {
	ImportPath string
	Standard   bool
	CgoFiles   []string
	Error      *struct{ Err string }
}

func goList(ctx context.Context, workDir, importPath string, p *platform.Platform, tags []string, cgo bool) ([]listedPackage, error) {
	args := append([]string{"list", "-e", "-deps", "-json=ImportPath,Standard,CgoFiles,Error"}, tagFlags(tags)...)
	cmd := exec.CommandContext(ctx, "go", append(args, importPath)...)
	cmd.Dir = workDir
	cmd.Env = buildEnv(p)
	if cgo {
		cmd.Env = append(cmd.Env, "CGO_ENABLED=1")
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list %s: %w: %s", importPath, err, firstLine(stderr.String()))
	}
	var pkgs []listedPackage
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var q listedPackage
		if err := dec.Decode(&q); err == io.EOF {
			return pkgs, nil
		} else if err != nil {
			return nil, fmt.Errorf("go list %s: %w", importPath, err)
		}
		pkgs = append(pkgs, q)
	}
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
