package buildcache

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mingo-build/mingo/internal/modproxy"
)

// fixture is the module the end-to-end cache tests build: a main package
// with an embedded file, a replaced local module and a module-cache
// dependency.
const fixture = "../e2e/testdata/cache"

// copyFixture copies the fixture to a new directory and returns the app
// module's directory in it.
func copyFixture(t *testing.T) string {
	t.Helper()
	dst := t.TempDir()
	if err := os.CopyFS(dst, os.DirFS(fixture)); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dst, "app")
}

func edit(t *testing.T, path, old, new string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), old) {
		t.Fatalf("%s has no %q", path, old)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(b), old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// query is how the builder asks for a linux target, with modules from
// the repository's module proxy (proxyEnv, modproxy.Env).
func query(proxyEnv []string, dir string, goflags string, target ...string) Query {
	env := append([]string{"CGO_ENABLED=0", "GOOS=linux", "GOFLAGS=" + goflags}, proxyEnv...)
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if !slices.Contains([]string{"CGO_ENABLED", "GOOS", "GOARCH", "GOARM", "GOAMD64", "GOFLAGS"}, k) && !slices.ContainsFunc(proxyEnv, func(p string) bool { return strings.HasPrefix(p, k+"=") }) {
			env = append(env, kv)
		}
	}
	if len(target) == 0 {
		target = []string{"GOARCH=amd64"}
	}
	return Query{Dir: dir, Env: append(env, target...), Flags: []string{"-trimpath", "-buildvcs=false", "-ldflags=-s -w"}, Packages: []string{"example.com/cacheapp"}}
}

func TestComputeCoversInputsAndOnlyThose(t *testing.T) {
	ctx := context.Background()
	proxyEnv := modproxy.Env(t)
	base := copyFixture(t)
	want, err := Compute(ctx, query(proxyEnv, base, ""))
	if err != nil {
		t.Fatal(err)
	}
	baseKey := want["example.com/cacheapp"]
	for _, part := range []string{"env GOVERSION", "env GOARCH", "package", "file example.com/cacheapp/main.go",
		"file example.com/cacheapp/message.txt", "file example.com/local/local.go", "module example.com/workers", "file go.mod", "file go.sum"} {
		if _, ok := baseKey.Parts[part]; !ok {
			t.Errorf("the key has no part %q", part)
		}
	}
	for name := range baseKey.Parts {
		if strings.Contains(name, base) || strings.Contains(baseKey.Parts[name], base) {
			t.Errorf("part %q holds the checkout directory", name)
		}
	}
	tests := []struct {
		name    string
		change  func(t *testing.T, dir string, q *Query)
		same    bool
		changed string // a part Diff must name
	}{
		{"go file", func(t *testing.T, dir string, q *Query) { edit(t, filepath.Join(dir, "main.go"), `"dev"`, `"dev2"`) }, false, "file example.com/cacheapp/main.go"},
		{"embedded file", func(t *testing.T, dir string, q *Query) { edit(t, filepath.Join(dir, "message.txt"), "hello", "hi") }, false, "file example.com/cacheapp/message.txt"},
		{"replaced module", func(t *testing.T, dir string, q *Query) {
			edit(t, filepath.Join(dir, "../local/local.go"), `"local"`, `"remote"`)
		}, false, "file example.com/local/local.go"},
		{"dependency bump", func(t *testing.T, dir string, q *Query) { edit(t, filepath.Join(dir, "go.mod"), "v1.0.0", "v1.1.0") }, false, "module example.com/workers example.com/workers@v1.0.0 -> example.com/workers@v1.1.0"},
		{"ldflags", func(t *testing.T, dir string, q *Query) { q.Flags[2] = "-ldflags=-s -w -X main.version=2" }, false, "flag 02 -ldflags"},
		{"build tag", func(t *testing.T, dir string, q *Query) { q.Flags = append(q.Flags, "-tags=fancy") }, false, "file example.com/cacheapp/fancy.go (new)"},
		{"GOFLAGS", func(t *testing.T, dir string, q *Query) { *q = query(proxyEnv, dir, "-gcflags=-B") }, false, "env GOFLAGS"},
		{"GOARM", func(t *testing.T, dir string, q *Query) { *q = query(proxyEnv, dir, "", "GOARCH=arm", "GOARM=6") }, false, `env GOARM "" -> 6`},
		{"GOAMD64", func(t *testing.T, dir string, q *Query) { *q = query(proxyEnv, dir, "", "GOARCH=amd64", "GOAMD64=v3") }, false, "env GOAMD64 v1 -> v3"},
		{"mtimes", func(t *testing.T, dir string, q *Query) {
			old := time.Unix(1e9, 0)
			for _, f := range []string{"main.go", "message.txt", "go.mod", "../local/local.go"} {
				if err := os.Chtimes(filepath.Join(dir, f), old, old); err != nil {
					t.Fatal(err)
				}
			}
		}, true, ""},
		{"unimported package", func(t *testing.T, dir string, q *Query) {
			edit(t, filepath.Join(dir, "other/other.go"), "// Answer is 42.", "// Answer is forty-two.")
		}, true, ""},
		{"checkout directory", func(t *testing.T, dir string, q *Query) {}, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := copyFixture(t)
			q := query(proxyEnv, dir, "")
			tt.change(t, dir, &q)
			keys, err := Compute(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			got := keys["example.com/cacheapp"]
			if same := got.Hex() == baseKey.Hex(); same != tt.same {
				t.Fatalf("same key = %t, want %t; diff: %q", same, tt.same, Diff(baseKey.Parts, got.Parts))
			}
			if tt.changed != "" && !slices.Contains(Diff(baseKey.Parts, got.Parts), tt.changed) {
				t.Errorf("Diff = %q, want it to name %q", Diff(baseKey.Parts, got.Parts), tt.changed)
			}
		})
	}
}

func TestKeyWithAndHex(t *testing.T) {
	k := Key{Parts: map[string]string{"a": "1"}}
	k2 := k.With("b", "2")
	if len(k.Parts) != 1 {
		t.Fatal("With changed the original key")
	}
	if k.Hex() == k2.Hex() || len(k2.Hex()) != 64 {
		t.Fatalf("Hex: %s, %s", k.Hex(), k2.Hex())
	}
	// Names and values are separated, so moving a character across does
	// not give the same key.
	if (Key{Parts: map[string]string{"ab": "c"}}).Hex() == (Key{Parts: map[string]string{"a": "bc"}}).Hex() {
		t.Fatal("parts are not separated in the hash")
	}
}

func TestDiff(t *testing.T) {
	got := Diff(map[string]string{"a": "x", "f": "sha256:1", "gone": "1"}, map[string]string{"a": "y", "f": "sha256:2", "new": "1"})
	want := []string{"a x -> y", "f", "new (new)", "gone (gone)"}
	if !slices.Equal(got, want) {
		t.Fatalf("Diff = %q, want %q", got, want)
	}
}
