package build

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"

	"golang.org/x/sync/semaphore"

	"github.com/mingo-build/mingo/internal/gotool"
)

// compile builds every package of b into dir with one `go build -o dir/`,
// which writes each binary as dir/<name> and, when nothing changed, sees
// they are up to date in one pass. It runs the go command so that Go's
// build cache is shared with the user's own builds.
func (s *session) compile(ctx context.Context, limit *semaphore.Weighted, b *batch, pkgs []*Package, dir string) error {
	gb := &gotool.Build{Dir: b.dir, Platform: b.platform, LDFlags: b.ldflags, Tags: b.buildTags, Debug: b.delve, Out: dir, CacheProg: s.goCacheProg}
	for _, p := range pkgs {
		gb.Packages = append(gb.Packages, p.ImportPath)
	}
	// Printed so that it can be pasted into a shell.
	s.logf("%s: %s", b.platform, gb.CommandLine())
	cmd := gb.Command(ctx)
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	if err := limit.Acquire(ctx, 1); err != nil {
		return err
	}
	err := cmd.Run()
	limit.Release(1)
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) {
		return fmt.Errorf("running go build: %w", err)
	}
	return s.compileError(ctx, b, output.String())
}

// compileError turns a failed `go build` into the error to show: a precise
// cgo explanation when cgo is the cause, the compiler's own output
// otherwise.
func (s *session) compileError(ctx context.Context, b *batch, output string) error {
	for _, pkg := range b.pkgs {
		culprits, err := cgoPackages(ctx, b.dir, pkg.ImportPath, &b.platform, b.buildTags)
		if err == nil && len(culprits) > 0 {
			s.logf("go build output for %s:\n%s", b.platform, output)
			return cgoError(pkg.ImportPath, culprits)
		}
	}
	return &CompileError{Platform: b.platform.String(), Output: strings.TrimRight(output, "\n")}
}

// CompileError is a `go build` that failed for a reason other than cgo;
// Output is what the compiler said.
type CompileError struct {
	Platform string
	Output   string
}

func (e *CompileError) Error() string {
	return fmt.Sprintf("go build for %s failed:\n%s", e.Platform, e.Output)
}
