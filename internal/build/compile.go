package build

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"regexp"
	"slices"
	"strings"

	"golang.org/x/sync/semaphore"

	"github.com/mingo-build/mingo/internal/gotool"
)

// compile builds every package of b into dir with one `go build -o dir/`,
// which writes each binary as dir/<name> and, when nothing changed, sees
// they are up to date in one pass. It runs the go command so that Go's
// build cache is shared with the user's own builds. It calls starting
// once the go command has started, or waits for a free job.
func (s *session) compile(ctx context.Context, limit *semaphore.Weighted, b *batch, pkgs []*Package, dir string, starting func()) error {
	gb := &gotool.Build{Dir: b.dir, Platform: b.platform, LDFlags: b.ldflags, Tags: b.buildTags, Debug: b.delve, Out: dir, CacheProg: s.goCacheProg, Standalone: b.standalone}
	for _, p := range pkgs {
		gb.Packages = append(gb.Packages, p.ImportPath)
	}
	// Printed so that it can be pasted into a shell.
	s.logf("%s: %s", b.platform, gb.CommandLine())
	cmd := gb.Command(ctx)
	var output bytes.Buffer
	cmd.Stdout, cmd.Stderr = &output, &output
	if !limit.TryAcquire(1) {
		starting() // not to hold the others up while it waits
		if err := limit.Acquire(ctx, 1); err != nil {
			return err
		}
	}
	err := cmd.Start()
	starting()
	if err == nil {
		s.building.Add(1)
		err = cmd.Wait()
		s.building.Add(-1)
	}
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
	if e := missingSums(b.platform.String(), output); e != nil {
		s.logf("go build output for %s:\n%s", b.platform, output)
		return e
	}
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

// MissingSumError is a `go build` that failed because go.sum lacks the
// hashes of modules it needs: Go says so once per importing package, with
// a go get for each; this is all of it on one line.
type MissingSumError struct {
	Platform string
	// Packages are those whose module has no go.sum entry, in Go's order.
	Packages []string
	// Fix is Go's fix, the go get commands it gives, as one command.
	Fix string
}

func (e *MissingSumError) Error() string {
	more := ""
	if len(e.Packages) > 1 {
		more = fmt.Sprintf(" and %d more", len(e.Packages)-1)
	}
	return fmt.Sprintf("go build for %s: go.sum has no entry for the module of %s%s; to add them: %s", e.Platform, e.Packages[0], more, e.Fix)
}

var (
	missingSumLine = regexp.MustCompile(`missing go\.sum entry for module providing package (\S+)`)
	goGetLine      = regexp.MustCompile(`(?m)^\s+go get (.+)$`)
)

// missingSums reads go build's output for missing go.sum entries; nil
// when it has none.
func missingSums(platform, output string) error {
	var pkgs, args []string
	for _, m := range missingSumLine.FindAllStringSubmatch(output, -1) {
		if !slices.Contains(pkgs, m[1]) {
			pkgs = append(pkgs, m[1])
		}
	}
	if len(pkgs) == 0 {
		return nil
	}
	for _, m := range goGetLine.FindAllStringSubmatch(output, -1) {
		for _, a := range strings.Fields(m[1]) {
			if !slices.Contains(args, a) {
				args = append(args, a)
			}
		}
	}
	fix := "go mod tidy"
	if len(args) > 0 {
		fix = "go get " + strings.Join(args, " ")
	}
	return &MissingSumError{Platform: platform, Packages: pkgs, Fix: fix}
}
