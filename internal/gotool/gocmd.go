package gotool

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"time"

	"golang.org/x/tools/go/packages"
)

// output runs the go command with args in dir and env and returns what it
// printed on stdout; its error carries the first line of stderr.
func output(ctx context.Context, dir string, env []string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir, cmd.Env = dir, env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go %s: %w: %s", args[0], err, errorLine(stderr.String()))
	}
	return out, nil
}

// Run runs the go command with args in dir and env, for what it does
// (such as `go get`); its error carries the first line of stderr.
func Run(ctx context.Context, dir string, env []string, args ...string) error {
	_, err := output(ctx, dir, env, args...)
	return err
}

// GoEnv runs `go env -json vars...` in dir with env and returns the values.
func GoEnv(ctx context.Context, dir string, env []string, vars ...string) (map[string]string, error) {
	out, err := output(ctx, dir, env, append([]string{"env", "-json"}, vars...)...)
	if err != nil {
		return nil, err
	}
	vals := map[string]string{}
	if err := json.Unmarshal(out, &vals); err != nil {
		return nil, fmt.Errorf("reading go env: %w", err)
	}
	return vals, nil
}

// Var returns the go command's value of the variable name (GOVERSION,
// GOROOT, GOMOD...) in dir, in the host's environment (Env(nil)).
func Var(ctx context.Context, dir, name string) (string, error) {
	out, err := output(ctx, dir, Env(nil), "env", name)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(out)), nil
}

// ListedPackage is what `go list -json` says of a package, as far as
// mingo asks (see List).
type ListedPackage struct {
	ImportPath string
	Name       string
	Dir        string
	Standard   bool
	Module     *struct {
		Path, Version, GoMod, Dir string
		Main                      bool
		Replace                   *struct{ Path, Version string }
	}
	Deps []string
	// The files the build reads, relative to Dir; IgnoredGoFiles are
	// those build constraints (or CGO_ENABLED=0) leave out.
	GoFiles, CgoFiles, IgnoredGoFiles, SFiles, HFiles, SysoFiles, EmbedFiles, CFiles, CXXFiles, MFiles, FFiles, SwigFiles, SwigCXXFiles []string
	// Error is set, with -e, for a package that does not load.
	Error *struct{ Err string }
}

// listFields are the fields of ListedPackage, for -json=.
const listFields = "ImportPath,Name,Dir,Standard,Module,Deps,GoFiles,CgoFiles,IgnoredGoFiles,SFiles,HFiles,SysoFiles,EmbedFiles,CFiles,CXXFiles,MFiles,FFiles,SwigFiles,SwigCXXFiles,Error"

// List runs `go list -json=... args...` in dir with env (args are the
// flags, such as -deps or -e, then the packages) and returns every package
// it printed, in its order.
func List(ctx context.Context, dir string, env []string, args ...string) ([]*ListedPackage, error) {
	return list(ctx, dir, env, listFields, args...)
}

// list is List asking for fields only.
func list(ctx context.Context, dir string, env []string, fields string, args ...string) ([]*ListedPackage, error) {
	out, err := output(ctx, dir, env, append([]string{"list", "-json=" + fields}, args...)...)
	if err != nil {
		return nil, err
	}
	var pkgs []*ListedPackage
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p ListedPackage
		if err := dec.Decode(&p); err == io.EOF {
			return pkgs, nil
		} else if err != nil {
			return nil, fmt.Errorf("reading go list output: %w", err)
		}
		pkgs = append(pkgs, &p)
	}
}

// Load loads the packages patterns name with go/packages, from dir, for
// the host target without cgo (Env(nil)) and with the build tags. With a
// memo directory in ctx (WithMemo), an answer whose sources did not change
// is the last one (see memo.go).
func Load(ctx context.Context, dir string, mode packages.LoadMode, tags []string, patterns ...string) ([]*packages.Package, error) {
	env := Env(nil)
	// "load2": the answer is []loaded since packages.Package's own JSON
	// dropped the module; a "load" memo is never read again.
	file := memoFile(ctx, dir, env, append([]string{"load2", fmt.Sprint(mode), strings.Join(tags, ",")}, patterns...)...)
	if ans, ok := recall(file); ok {
		if pkgs, ok := unmarshalLoaded(ans); ok {
			return pkgs, nil
		}
	}
	pre := preStamps(file, patternDirs(dir, patterns))
	start := time.Now()
	pkgs, err := packages.Load(&packages.Config{
		Context:    ctx,
		Mode:       mode,
		Dir:        dir,
		Env:        env,
		BuildFlags: TagFlags(tags),
	}, patterns...)
	if err == nil && file != "" {
		if dirs, goMods, ok := loadedDirs(dir, patterns, pkgs); ok {
			remember(file, newMemo(marshalLoaded(pkgs), dirs, goMods, pre, start))
		}
	}
	return pkgs, err
}

// loaded is a loaded package as a memo keeps it. packages.Package's JSON
// (its MarshalJSON) leaves out the module, which says where the module's
// checkout is (git is asked there, once per module, not once per
// package), whether the package is a dependency and what its SBOM names:
// a memo without it would answer differently from the go command.
type loaded struct {
	Package *packages.Package
	Module  *packages.Module `json:",omitempty"`
}

func marshalLoaded(pkgs []*packages.Package) []loaded {
	out := make([]loaded, len(pkgs))
	for i, p := range pkgs {
		out[i] = loaded{p, p.Module}
	}
	return out
}

// unmarshalLoaded reads a memo's answer written by marshalLoaded.
func unmarshalLoaded(ans json.RawMessage) ([]*packages.Package, bool) {
	var ls []loaded
	if json.Unmarshal(ans, &ls) != nil {
		return nil, false
	}
	pkgs := make([]*packages.Package, len(ls))
	for i, l := range ls {
		if l.Package == nil {
			return nil, false
		}
		pkgs[i] = l.Package
		pkgs[i].Module = l.Module
	}
	return pkgs, true
}

// memoListFields are the fields ListMemo fills: what its memos need
// (listedDirs) and its callers read. Not Deps nor the file lists: with
// -deps, Deps alone grows with the square of the graph (crane's listing
// was mostly Deps), and a memo is read and decoded at every build.
const memoListFields = "ImportPath,Dir,Standard,Module,IgnoredGoFiles,EmbedFiles,Error"

// ListMemo is List with memos (see Load), filling only memoListFields: for
// questions whose answer only informs (warnings, names), never a cache
// key.
func ListMemo(ctx context.Context, dir string, env []string, args ...string) ([]*ListedPackage, error) {
	pkgs, _, err := listMemo(ctx, listMemoFile(ctx, dir, env, args), dir, env, args)
	return pkgs, err
}

func listMemoFile(ctx context.Context, dir string, env, args []string) string {
	return memoFile(ctx, dir, env, append([]string{"list", memoListFields}, args...)...)
}

// listMemo is ListMemo with its memo file, returning the memo it used or
// wrote (nil if none).
func listMemo(ctx context.Context, file, dir string, env, args []string) ([]*ListedPackage, *memo, error) {
	if m, ok := recallMemo(file); ok {
		var pkgs []*ListedPackage
		if json.Unmarshal(m.Answer, &pkgs) == nil {
			return pkgs, m, nil
		}
	}
	pre := preStamps(file, nil)
	start := time.Now()
	pkgs, err := list(ctx, dir, env, memoListFields, args...)
	var m *memo
	if err == nil && file != "" {
		if dirs, goMods, ok := listedDirs(args, pkgs); ok {
			m = newMemo(pkgs, dirs, goMods, pre, start)
			remember(file, m)
		}
	}
	return pkgs, m, err
}

// ListDerived is what derive makes of ListMemo's packages, memoized
// beside the list's own memo under name and valid exactly as long: a build
// at rest neither decodes the list nor derives again. derive may read
// only the packages and the Go files of their directories, which the memo
// stamps; name says what it computes and how (a new version of derive is
// a new name).
func ListDerived[T any](ctx context.Context, name, dir string, env []string, derive func([]*ListedPackage) (T, error), args ...string) (T, error) {
	file := listMemoFile(ctx, dir, env, args)
	derived := ""
	if file != "" {
		sum := sha256.Sum256([]byte(name))
		derived = file + "." + hex.EncodeToString(sum[:8])
	}
	if m, ok := recallMemo(derived); ok {
		var t T
		if json.Unmarshal(m.Answer, &t) == nil {
			return t, nil
		}
	}
	pkgs, m, err := listMemo(ctx, file, dir, env, args)
	if err != nil {
		var zero T
		return zero, err
	}
	t, err := derive(pkgs)
	if err == nil && m != nil {
		if b, merr := json.Marshal(t); merr == nil {
			remember(derived, &memo{Dirs: m.Dirs, Files: m.Files, Answer: b})
		}
	}
	return t, err
}

// FirstLine is the first line of the go command's message s, without
// surrounding space or a trailing colon.
func FirstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSuffix(strings.TrimSpace(s), ":")
}

// errorLine is the first line of the go command's stderr that is not a
// progress note (go: downloading, go: added...).
func errorLine(stderr string) string {
	for _, line := range strings.Split(stderr, "\n") {
		for _, note := range []string{"go: downloading ", "go: finding ", "go: added ", "go: upgraded ", "go: found "} {
			if strings.HasPrefix(line, note) {
				line = ""
			}
		}
		if strings.TrimSpace(line) != "" {
			return FirstLine(line)
		}
	}
	return FirstLine(stderr)
}

// OneLine is the go command's message s on one line: its lines trimmed
// and joined by spaces, so that a fix Go gives on the next line (to add
// it:\n\tgo get PKG) stays with the problem.
func OneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
