package config_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/mingo-build/mingo/config"
)

func write(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), config.Name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoad(t *testing.T) {
	p := write(t, `repo: ghcr.io/acme
images:
  - package: ./cmd/api
    tags: [v1, "{{.Version}}"]
    platforms: [linux/amd64, linux/arm64]
    base: scratch
    ldflags: -X main.v={{.Version}}
    build-tags: [netgo]
    env: {B: "2", A: "1"}
    labels: {team: core}
    annotations: {org.opencontainers.image.source: "https://example.com"}
    user: nobody
    workdir: /app
    args: [--serve]
    add: [static:/srv]
    ca-certs: false
    tzdata: true
    passwd: true
    ca-bundle: certs.pem
  - package: ./cmd/worker
    repository: docker.io/acme/worker
cache-repo: ghcr.io/acme/mingo-cache
`)
	f, err := config.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if f.Path != p || f.Repo != (config.Located[string]{V: "ghcr.io/acme", Line: 1, Set: true}) {
		t.Errorf("Path, Repo = %q, %+v", f.Path, f.Repo)
	}
	if f.CacheRepo != (config.Located[string]{V: "ghcr.io/acme/mingo-cache", Line: 22, Set: true}) {
		t.Errorf("CacheRepo = %+v", f.CacheRepo)
	}
	if len(f.Images) != 2 {
		t.Fatalf("%d images, want 2", len(f.Images))
	}
	api, worker := f.Images[0], f.Images[1]
	for _, c := range []struct {
		name      string
		got, want any
	}{
		{"api.Line", api.Line, 3},
		{"api.Package", api.Package, config.Located[string]{V: "./cmd/api", Line: 3, Set: true}},
		{"api.Tags", api.Tags.V, []string{"v1", "{{.Version}}"}},
		{"api.Tags.Line", api.Tags.Line, 4},
		{"api.Platforms", api.Platforms.V, []string{"linux/amd64", "linux/arm64"}},
		{"api.Base", api.Base.V, "scratch"},
		{"api.LDFlags", api.LDFlags.V, "-X main.v={{.Version}}"},
		{"api.BuildTags", api.BuildTags.V, []string{"netgo"}},
		{"api.Env", config.SortedKV(api.Env.V), []string{"A=1", "B=2"}},
		{"api.Labels", api.Labels.V, map[string]string{"team": "core"}},
		{"api.Annotations", api.Annotations.V, map[string]string{"org.opencontainers.image.source": "https://example.com"}},
		{"api.User", api.User.V, "nobody"},
		{"api.Workdir", api.Workdir.V, "/app"},
		{"api.Args", api.Args.V, []string{"--serve"}},
		{"api.Add", api.Add.V, []string{"static:/srv"}},
		{"api.CACerts", api.CACerts, config.Located[bool]{V: false, Line: 16, Set: true}},
		{"api.TZData", api.TZData.V, true},
		{"api.Passwd", api.Passwd.V, true},
		{"api.CABundle", api.CABundle.V, "certs.pem"},
		{"api.Repository.Set", api.Repository.Set, false},
		{"worker.Line", worker.Line, 20},
		{"worker.Repository", worker.Repository, config.Located[string]{V: "docker.io/acme/worker", Line: 21, Set: true}},
		{"worker.Tags.Set", worker.Tags.Set, false},
		{"worker.CACerts.Set", worker.CACerts.Set, false},
	} {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s = %#v, want %#v", c.name, c.got, c.want)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		want       []string // each line of the error, in order
		is         error
	}{{
		name: "unknown image key",
		text: "images:\n  - package: ./cmd/hello\n    platfrom: [linux/amd64]\n",
		want: []string{`mingo.yaml:3: unknown key "platfrom"; known keys are package, repository, tags, platforms, base, ldflags, build-tags, env, labels, annotations, user, workdir, args, add, ca-certs, tzdata, passwd, ca-bundle`},
	}, {
		name: "unknown top-level key",
		text: "repo: r\nimagez: []\n",
		want: []string{`mingo.yaml:2: unknown key "imagez"; known keys are repo, cache-repo, cache-sign-key, cache-sign-keyless, cache-trust-key, cache-trust-identity, cache-trust-issuer, cache-trust-root, cache-repo-read-only, images`},
	}, {
		name: "missing cache key file",
		text: "cache-repo: r/c\n\ncache-trust-key: no-such.pub\nimages:\n  - package: ./cmd/a\n",
		want: []string{"mingo.yaml:3: cache-trust-key: stat "},
	}, {
		name: "Line is not a key",
		text: "images:\n  - package: ./cmd/hello\n    Line: 7\n",
		want: []string{`mingo.yaml:3: unknown key "Line"`},
	}, {
		name: "wrong type",
		text: "images:\n  - package: ./cmd/hello\n    env: [A=1]\n",
		want: []string{"mingo.yaml:3: cannot unmarshal !!seq into map[string]string"},
	}, {
		name: "wrong type for a bool",
		text: "images:\n  - package: ./cmd/hello\n\n    tzdata: maybe\n",
		want: []string{"mingo.yaml:4: cannot unmarshal !!str `maybe` into bool"},
	}, {
		name: "several problems, by line",
		text: "images:\n  - package: ./cmd/hello\n    tzdata: maybe\n    platfrom: x\n  - package: ./cmd/b\n    env: [A=1]\n",
		want: []string{
			"mingo.yaml:3: cannot unmarshal !!str `maybe` into bool",
			`mingo.yaml:4: unknown key "platfrom"`,
			"mingo.yaml:6: cannot unmarshal !!seq into map[string]string",
		},
	}, {
		name: "syntax",
		text: "images:\n  - package: \"./cmd/hello\n",
		want: []string{"mingo.yaml:2: found unexpected end of stream"},
	}, {
		name: "empty images",
		text: "images: []\n",
		want: []string{"mingo.yaml: no images"},
		is:   config.ErrNoImages,
	}, {
		name: "empty file",
		text: "",
		want: []string{"mingo.yaml: no images"},
		is:   config.ErrNoImages,
	}, {
		name: "no package",
		text: "images:\n  - base: scratch\n  - package: ./cmd/a\n  - package: \"\"\n",
		want: []string{"mingo.yaml:2: images[0]: package is required", "mingo.yaml:4: images[2]: package is required"},
		is:   config.ErrNoPackage,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			p := write(t, tc.text)
			f, err := config.Load(p)
			if err == nil {
				t.Fatalf("Load = %+v, want an error", f)
			}
			lines := strings.Split(strings.ReplaceAll(err.Error(), p, config.Name), "\n")
			if len(lines) != len(tc.want) {
				t.Fatalf("error:\n%v\nwant %d lines starting %q", err, len(tc.want), tc.want)
			}
			for i, want := range tc.want {
				if !strings.HasPrefix(lines[i], want) {
					t.Errorf("line %d of the error is\n%s\nwant it to start\n%s", i, lines[i], want)
				}
			}
			if e, ok := errors.AsType[*config.Error](err); !ok || e.Path != p {
				t.Errorf("error %v is not a *config.Error for %s", err, p)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %v is not %v", err, tc.is)
			}
		})
	}
}

// TestLoadBounds feeds Load a file past MaxSize and a small one whose
// aliases under known keys would expand to gigabytes: both are refused
// quickly, naming the file (and the line of the alias).
func TestLoadBounds(t *testing.T) {
	var bomb strings.Builder
	bomb.WriteString("x0: &a0 [\"" + strings.Repeat("A", 100) + "\"]\n")
	for i := 1; i < 12; i++ {
		fmt.Fprintf(&bomb, "x%d: &a%d [*a%d,*a%d,*a%d,*a%d,*a%d,*a%d,*a%d,*a%d]\n", i, i, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1)
	}
	bomb.WriteString("images:\n  - package: ./cmd/a\n    args: *a11\n")
	shared := "images:\n  - package: ./cmd/a\n    platforms: &p [linux/amd64, linux/arm64]\n  - package: ./cmd/b\n    platforms: *p\n"
	for _, tc := range []struct{ name, text, want string }{
		{"alias bomb", bomb.String(), "mingo.yaml:6: too large: YAML aliases expand the file past 1048576 bytes"},
		{"huge file", "images:\n  - package: ./cmd/a\n    workdir: " + strings.Repeat("w", config.MaxSize) + "\n", "mingo.yaml: too large: more than 1048576 bytes"},
		{"shared list", shared, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := write(t, tc.text)
			start := time.Now()
			_, err := config.Load(p)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("a modest alias was refused: %v", err)
				}
				return
			}
			if err == nil || strings.ReplaceAll(err.Error(), p, config.Name) != tc.want || !errors.Is(err, config.ErrTooLarge) {
				t.Fatalf("error %v, want %s", err, tc.want)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("refusing took %v", d)
			}
		})
	}
}

func TestLoadMissing(t *testing.T) {
	_, err := config.Load(filepath.Join(t.TempDir(), config.Name))
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load of a missing file: %v, want os.ErrNotExist", err)
	}
}

func TestValidate(t *testing.T) {
	f := &config.File{Images: []config.Image{{Line: 5}}}
	err := f.Validate()
	if !errors.Is(err, config.ErrNoPackage) || err.Error() != "line 5: images[0]: package is required" {
		t.Errorf("Validate = %v", err)
	}
	f.Images[0].Package = config.Located[string]{V: "./cmd/a", Set: true}
	if err := f.Validate(); err != nil {
		t.Errorf("Validate = %v", err)
	}
}

func TestExpand(t *testing.T) {
	fake := config.Vars{Version: "v1.2.3", Commit: "abc123", Date: "2023-11-14T22:13:20Z"}
	for _, tc := range []struct {
		in, want, err string
	}{
		{in: "latest", want: "latest"},
		{in: "{{.Version}}", want: "v1.2.3"},
		{in: "-X main.commit={{.Commit}} -X main.date={{.Date}}", want: "-X main.commit=abc123 -X main.date=2023-11-14T22:13:20Z"},
		{in: `{{.Version | printf "%s-x"}}`, want: "v1.2.3-x"},
		{in: "{{.Nope}}", err: `template "{{.Nope}}": template: :1:2: executing "" at <.Nope>: can't evaluate field Nope in type config.Vars; the fields are {{.Version}}, {{.Commit}}, {{.Date}}, {{.Env.NAME}} and {{.Git.ShortCommit}} (and the other fields of Git)`},
		{in: "{{.Version", err: `template "{{.Version": template: :1: unclosed action`},
	} {
		calls := 0
		vars := func() config.Vars { calls++; return fake }
		got, err := config.Expand(tc.in, vars)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("Expand(%q) error = %v, want %s", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("Expand(%q) = %q, %v, want %q", tc.in, got, err, tc.want)
		}
		if !strings.Contains(tc.in, "{{") && calls != 0 {
			t.Errorf("Expand(%q) asked for the vars without a template", tc.in)
		}
	}
}

func TestExpandAll(t *testing.T) {
	vars := func() config.Vars { return config.Vars{Version: "v2"} }
	got, err := config.ExpandAll([]string{"latest", "{{.Version}}"}, vars)
	if err != nil || !reflect.DeepEqual(got, []string{"latest", "v2"}) {
		t.Errorf("ExpandAll = %q, %v", got, err)
	}
	if _, err := config.ExpandAll([]string{"ok", "{{.Missing}}"}, vars); err == nil || !strings.Contains(err.Error(), `"{{.Missing}}"`) {
		t.Errorf("ExpandAll with a bad field: %v", err)
	}
}

func TestSourceDateEpoch(t *testing.T) {
	for _, tc := range []struct{ env, want, err string }{
		{env: "", want: "0001-01-01T00:00:00Z"},
		{env: "1700000000", want: "2023-11-14T22:13:20Z"},
		{env: "soon", err: `SOURCE_DATE_EPOCH="soon" is not a Unix time in seconds`},
		{env: "-1", err: `SOURCE_DATE_EPOCH="-1" is not a Unix time in seconds`},
		{env: "253402300799", want: "9999-12-31T23:59:59Z"},
		{env: "253402300800", err: `SOURCE_DATE_EPOCH="253402300800" is past the year 9999, the last an image can record (at most 253402300799)`},
	} {
		t.Setenv("SOURCE_DATE_EPOCH", tc.env)
		got, err := config.SourceDateEpoch()
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("SOURCE_DATE_EPOCH=%q: error %v, want %s", tc.env, err, tc.err)
			}
			continue
		}
		if err != nil || got.Format("2006-01-02T15:04:05Z07:00") != tc.want {
			t.Errorf("SOURCE_DATE_EPOCH=%q: %v, %v, want %s", tc.env, got, err, tc.want)
		}
	}
}

func TestLazyVars(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "1700000000")
	dir := t.TempDir() // not a git checkout
	v := config.LazyVars(context.Background(), dir)()
	want := config.Vars{Version: "dev", Commit: "unknown", Date: "2023-11-14T22:13:20Z"}
	if v.Version != want.Version || v.Commit != want.Commit || v.Date != want.Date || v.Git != (config.Git{}) {
		t.Errorf("outside git: %+v, want %+v", v, want)
	}

	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	t.Setenv("SOURCE_DATE_EPOCH", "")
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.com"}, args...)...)
		cmd.Env = append(os.Environ(), "GIT_COMMITTER_DATE=2024-01-02T03:04:05+02:00", "GIT_AUTHOR_DATE=2024-01-02T03:04:05+02:00")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	git("init", "-q")
	git("commit", "-q", "--allow-empty", "-m", "first")
	git("tag", "v0.1.0")
	v = config.LazyVars(context.Background(), dir)()
	if v.Version != "v0.1.0" || len(v.Commit) < 40 || v.Date != "2024-01-02T01:04:05Z" {
		t.Errorf("in git: %+v", v)
	}
}

func TestFind(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	t.Setenv("GOFLAGS", "")
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/m\n\ngo 1.22\n"), 0o644)
	sub := filepath.Join(dir, "cmd", "api")
	os.MkdirAll(sub, 0o755)
	ctx := context.Background()
	if got := config.Find(ctx, sub); got != "" {
		t.Errorf("Find without mingo.yaml = %q, want empty", got)
	}
	want := filepath.Join(dir, config.Name)
	os.WriteFile(want, []byte("images: []\n"), 0o644)
	if got := config.Find(ctx, sub); got != want {
		t.Errorf("Find = %q, want %q", got, want)
	}
}

func ExampleExpand() {
	vars := func() config.Vars {
		return config.Vars{Version: "v1.4.0", Commit: "0123abc", Date: "2024-05-01T00:00:00Z"}
	}
	tag, err := config.Expand("{{.Version}}-{{.Date}}", vars)
	fmt.Println(tag, err)
	// Output: v1.4.0-2024-05-01T00:00:00Z <nil>
}

// The cache's key files are relative to the file, made absolute.
func TestLoadCacheTrust(t *testing.T) {
	p := write(t, "cache-repo: r/c\ncache-sign-key: keys/cosign.key\ncache-trust-key: cosign.pub\ncache-repo-read-only: true\nimages:\n  - package: ./cmd/a\n")
	dir := filepath.Dir(p)
	for _, k := range []string{"keys/cosign.key", "cosign.pub"} {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, k)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, k), []byte("key"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	f, err := config.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if f.CacheSignKey.V != filepath.Join(dir, "keys/cosign.key") || f.CacheTrustKey.V != filepath.Join(dir, "cosign.pub") || !f.CacheRepoReadOnly.V {
		t.Errorf("sign key %q, trust key %q, read-only %t", f.CacheSignKey.V, f.CacheTrustKey.V, f.CacheRepoReadOnly.V)
	}
}

// The keyless trust keys are read; the trusted root is relative to the
// file, and a missing one is an error at its line.
func TestLoadCacheTrustIdentity(t *testing.T) {
	p := write(t, "cache-repo: r/c\ncache-trust-identity: https://ci.example/wf\ncache-trust-issuer: https://issuer.example\ncache-trust-root: sigstore/trusted_root.json\nimages:\n  - package: ./cmd/a\n")
	dir := filepath.Dir(p)
	if _, err := config.Load(p); err == nil || !strings.Contains(err.Error(), "mingo.yaml:4: cache-trust-root: stat ") {
		t.Errorf("missing trusted root: %v", err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "sigstore"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "sigstore/trusted_root.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := config.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if f.CacheTrustIdentity.V != "https://ci.example/wf" || f.CacheTrustIssuer.V != "https://issuer.example" ||
		f.CacheTrustRoot.V != filepath.Join(dir, "sigstore/trusted_root.json") {
		t.Errorf("identity %q, issuer %q, root %q", f.CacheTrustIdentity.V, f.CacheTrustIssuer.V, f.CacheTrustRoot.V)
	}
}
