package builder

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/mingo-build/mingo/platform"
)

// baseLDFlags strip the symbol table and DWARF: a third of a typical binary,
// and nothing a container needs at run time.
const baseLDFlags = "-s -w"

// compile builds pkg for p into dir and returns the binary's path. It runs
// `go build` so that Go's build cache is shared with the user's own builds.
func compile(ctx context.Context, opts *Options, pkg *Package, p platform.Platform, dir string) (string, error) {
	out := filepath.Join(dir, pkg.Name)
	ldflags := strings.TrimSpace(baseLDFlags + " " + opts.LDFlags)
	args := []string{"build", "-trimpath", "-ldflags=" + ldflags, "-o", out}
	args = append(args, tagFlags(opts.Tags)...)
	args = append(args, pkg.ImportPath)

	opts.logf("%s: go %s", p, strings.Join(args, " "))
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = opts.Dir
	cmd.Env = buildEnv(&p)
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	if err := opts.Limit.Acquire(ctx, 1); err != nil {
		return "", err
	}
	err := cmd.Run()
	opts.Limit.Release(1)
	if err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		var exitErr *exec.ExitError
		if !errors.As(err, &exitErr) {
			return "", fmt.Errorf("running go build (is Go installed and on PATH?): %w", err)
		}
		return "", compileError(ctx, opts, pkg, p, output.String())
	}
	if err := CheckStatic(out); err != nil {
		return "", err
	}
	return out, nil
}

// compileError turns a failed `go build` into the error to show: a precise
// cgo explanation when cgo is the cause, the compiler's own output otherwise.
func compileError(ctx context.Context, opts *Options, pkg *Package, p platform.Platform, output string) error {
	if culprits, err := cgoPackages(ctx, opts.Dir, pkg.ImportPath, &p, opts.Tags); err == nil && len(culprits) > 0 {
		opts.logf("go build output for %s:\n%s", p, output)
		return cgoError(pkg.ImportPath, culprits)
	}
	return fmt.Errorf("go build failed:\n%s", strings.TrimRight(output, "\n"))
}
