package gotool

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/mingo-build/mingo/internal/atomicfile"
	"github.com/mingo-build/mingo/internal/stamp"
)

// At rest, asking the go command which packages a pattern names (and what
// they import) costs a quarter of a second of a 2-core machine, more than
// a no-op `go build`. A memo keeps each answer, keyed by everything the go
// command reads to give it but the package sources (the arguments, the
// environment, the go binary, `go env -w`, every go.mod, go.sum and go.work
// from the directory up), with the stamps of the source directories the
// answer came from. A memo is used only while every stamp holds; a changed
// Go file whose package clause, build constraints, imports and embed
// directives are what they were still holds, so editing a function body
// does not cost a `go list`. Anything uncertain is a miss: the go command
// runs, as it would without memos.

// MemoDir is the directory of the memos within mingo's cache.
const MemoDir = "go"

type memoKey struct{}

// WithMemo returns ctx in which package loading keeps its answers in dir
// (see MemoDir); "" keeps none.
func WithMemo(ctx context.Context, dir string) context.Context {
	return context.WithValue(ctx, memoKey{}, dir)
}

func memoDir(ctx context.Context) string {
	d, _ := ctx.Value(memoKey{}).(string)
	return d
}

// memo is what a memo file holds: the answer and what it depends on.
type memo struct {
	Dirs   []dirStamp
	Files  []fileStamp // go.mod files of workspace modules
	Answer json.RawMessage
}

// dirStamp is a source directory as the answer saw it: its stamp, its
// entries' names and kinds, and each Go file's stamp and header digest.
type dirStamp struct {
	Path    string
	Stamp   stamp.Stamp
	Entries string
	Go      []fileStamp
}

// fileStamp is a file's stamp and the digest of what matters of it.
type fileStamp struct {
	Path  string
	Stamp stamp.Stamp
	Sum   string
}

// volatileEnv are variables a shell changes between commands that the go
// command does not read; every other variable is part of a memo's key.
var volatileEnv = []string{"PWD", "OLDPWD", "SHLVL", "_", "MINGO_TRACE", "COLUMNS", "LINES"}

// memoFile returns the memo file of a question, or "" when memos are off
// or the question's inputs cannot be read.
func memoFile(ctx context.Context, dir string, env []string, question ...string) string {
	root := memoDir(ctx)
	if root == "" {
		return ""
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	h := sha256.New()
	put := func(s string) { h.Write([]byte(s)); h.Write([]byte{0}) }
	put("mingo go memo 1")
	put(abs)
	for _, q := range question {
		put(q)
	}
	for _, kv := range sortedEnv(env) {
		put(kv)
	}
	goBin, err := goBinary(env)
	if err != nil {
		return ""
	}
	put(goBin)
	for _, f := range append(moduleFiles(abs), goEnvFile(env)) {
		put(f + "\x00" + contentSum(f))
	}
	return filepath.Join(root, hex.EncodeToString(h.Sum(nil)[:16]))
}

func sortedEnv(env []string) []string {
	out := slices.DeleteFunc(slices.Clone(env), func(kv string) bool {
		k, _, _ := strings.Cut(kv, "=")
		return slices.Contains(volatileEnv, k)
	})
	slices.Sort(out)
	return out
}

// goBinary is the go command env's PATH finds, as its path and stamp: a
// new Go in place is a new stamp.
func goBinary(env []string) (string, error) {
	path := envValue(env, "PATH")
	for _, d := range filepath.SplitList(path) {
		p := filepath.Join(d, "go")
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			real, err := filepath.EvalSymlinks(p)
			if err != nil {
				return "", err
			}
			st, ok := stamp.Path(real)
			if !ok {
				return "", os.ErrNotExist
			}
			j, _ := json.Marshal(st)
			return real + " " + string(j), nil
		}
	}
	return "", os.ErrNotExist
}

func envValue(env []string, key string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if k, v, ok := strings.Cut(env[i], "="); ok && k == key {
			return v
		}
	}
	return ""
}

// moduleFiles are the files, from dir up to the root, that choose the
// module, workspace, toolchain and dependency versions.
func moduleFiles(dir string) []string {
	var out []string
	for d := dir; ; d = filepath.Dir(d) {
		for _, n := range []string{"go.mod", "go.sum", "go.work", "go.work.sum", "vendor/modules.txt"} {
			out = append(out, filepath.Join(d, n))
		}
		if filepath.Dir(d) == d {
			return out
		}
	}
}

// goEnvFile is the file `go env -w` writes.
func goEnvFile(env []string) string {
	if f := envValue(env, "GOENV"); f != "" {
		return f
	}
	if d := envValue(env, "XDG_CONFIG_HOME"); d != "" {
		return filepath.Join(d, "go", "env")
	}
	return filepath.Join(envValue(env, "HOME"), ".config", "go", "env")
}

// contentSum is the digest of a file's content, "absent" for none.
func contentSum(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		if os.IsNotExist(err) {
			return "absent"
		}
		return "unreadable " + err.Error() // never matches a stored key's run twice by chance
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// recall returns the answer of the memo file when every stamp it holds
// still does; it marks the memo used, for trimming.
func recall(file string) (json.RawMessage, bool) {
	m, ok := recallMemo(file)
	if !ok {
		return nil, false
	}
	return m.Answer, true
}

// recallMemo is recall's memo, with what its answer depends on.
func recallMemo(file string) (*memo, bool) {
	if file == "" {
		return nil, false
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, false
	}
	var m memo
	if json.Unmarshal(b, &m) != nil || len(m.Answer) == 0 {
		return nil, false
	}
	for _, d := range m.Dirs {
		if !d.holds() {
			return nil, false
		}
	}
	for _, f := range m.Files {
		if !f.holds(contentSum) {
			return nil, false
		}
	}
	now := time.Now()
	_ = os.Chtimes(file, now, now)
	return &m, true
}

// remember writes the memo of file; a failure only costs the next run a
// go command.
func remember(file string, m *memo) {
	if file == "" || m == nil {
		return
	}
	b, err := json.Marshal(m)
	if err != nil {
		return
	}
	if os.MkdirAll(filepath.Dir(file), 0o755) == nil {
		_ = atomicfile.WriteFile(file, b, 0o644)
	}
}
