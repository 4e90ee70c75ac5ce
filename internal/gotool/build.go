package gotool

import (
	"context"
	"os/exec"
	"strings"

	"github.com/mingo-build/mingo/platform"
)

// Build is one `go build -o Out/ Packages...`, which writes each main
// package's binary as Out/<name>.
type Build struct {
	// Dir is where the go command runs; "" is the current directory.
	Dir      string
	Platform platform.Platform
	// LDFlags are added after BaseLDFlags; Tags are Go build tags.
	LDFlags string
	Tags    []string
	// Debug builds for a debugger (see BuildFlags).
	Debug bool
	// Out is the output directory.
	Out string
	// Packages are the main packages' import paths.
	Packages []string
	// CacheProg, when set, is the go command's GOCACHEPROG: a program
	// that keeps Go's build cache. It changes where compiled packages come
	// from, never what the binary holds, so it is in neither the command
	// line nor the recipe.
	CacheProg string
	// Standalone builds the module in Dir on its own, outside any go.work
	// (GOWORK=off): the module of a PKG@VERSION build.
	Standalone bool
}

// Args are the go command's arguments, "build" first.
func (b *Build) Args() []string {
	args := append([]string{"build"}, BuildFlags(b.LDFlags, b.Tags, b.Debug)...)
	args = append(args, "-o", b.Out+"/")
	return append(args, b.Packages...)
}

// CommandLine is the build as a shell command line that can be pasted
// into a shell: quoted, with the variables mingo sets.
func (b *Build) CommandLine() string {
	env := TargetEnv(&b.Platform)
	if b.Standalone {
		env = append(env, NoWorkspace)
	}
	return commandLine(b.Dir, env, "go", b.Args())
}

// Command returns the go command that runs the build, in the environment
// Env gives for the platform. Cancelling ctx stops the go command and the
// compilers and linker it started.
func (b *Build) Command(ctx context.Context) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "go", b.Args()...)
	stopGroup(cmd)
	cmd.Dir = b.Dir
	cmd.Env = Env(&b.Platform)
	if b.Standalone {
		cmd.Env = append(cmd.Env, NoWorkspace)
	}
	if b.CacheProg != "" {
		cmd.Env = append(cmd.Env, "GOCACHEPROG="+b.CacheProg)
	}
	return cmd
}

// NoWorkspace is the setting that keeps the go command out of any go.work,
// as `go install PKG@VERSION` is.
const NoWorkspace = "GOWORK=off"

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./=:,@%+") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// commandLine is a shell command line that runs name args in dir with
// the variables env set, as printed.
func commandLine(dir string, env []string, name string, args []string) string {
	var parts []string
	if dir != "" {
		parts = append(parts, "cd", shellQuote(dir), "&&")
	}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		parts = append(parts, k+"="+shellQuote(v))
	}
	parts = append(parts, name)
	for _, a := range args {
		parts = append(parts, shellQuote(a))
	}
	return strings.Join(parts, " ")
}
