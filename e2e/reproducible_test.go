package e2e

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// goEnvKeys are the variables a test run sets itself, so that the host's
// (GOFLAGS=-buildvcs=false, a go env file, caches) cannot make two runs
// alike by accident.
var goEnvKeys = []string{"HOME", "GOENV", "GOFLAGS", "GOCACHE", "GOPATH", "GOMODCACHE", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "MINGO_CACHE", "GOAMD64", "GOEXPERIMENT", "SOURCE_DATE_EPOCH"}

// freshGoEnv is a Go environment of its own under a new HOME: its own go
// env file (with the `go env -w` settings given), GOPATH and mingo cache.
// The module and build caches are the host's (the build cache never
// changes what is built; a test that wants it fresh sets GOCACHE), and
// the network is not used.
func freshGoEnv(t *testing.T, goenvW ...string) []string {
	t.Helper()
	home := t.TempDir()
	env := []string{
		"HOME=" + home,
		"GOENV=" + filepath.Join(home, "goenv"),
		"GOCACHE=" + hostGo(t, "GOCACHE"),
		"GOPATH=" + filepath.Join(home, "go"),
		"GOMODCACHE=" + hostGo(t, "GOMODCACHE"),
		"MINGO_CACHE=" + filepath.Join(home, "mingocache"),
		"GOPROXY=off",
	}
	if len(goenvW) > 0 {
		runOK(t, "", env, "go", append([]string{"env", "-w"}, goenvW...)...)
	}
	return env
}

// hostGo is `go env KEY` of the test process.
func hostGo(t *testing.T, key string) string {
	t.Helper()
	out, err := exec.Command("go", "env", key).Output()
	if err != nil {
		t.Fatalf("go env %s: %v", key, err)
	}
	return strings.TrimSpace(string(out))
}

// cleanEnv is the process environment without goEnvKeys, plus extra.
func cleanEnv(extra []string) []string {
	var out []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		drop := false
		for _, g := range goEnvKeys {
			drop = drop || k == g || k == "GOPROXY"
		}
		if !drop {
			out = append(out, kv)
		}
	}
	return append(out, extra...)
}

// runOK runs a command in dir with cleanEnv(env) and returns its standard
// output, failing the test on error.
func runOK(t *testing.T, dir string, env []string, name string, args ...string) string {
	t.Helper()
	r := runEnv(dir, env, name, args...)
	if r.err != nil {
		t.Fatalf("%s %s: %v\n%s%s", name, strings.Join(args, " "), r.err, r.stdout, r.stderr)
	}
	return r.stdout
}

func runEnv(dir string, env []string, name string, args ...string) result {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = cleanEnv(env)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return result{stdout.String(), stderr.String(), err}
}

// mingoGoEnv runs mingo in dir, trusting and logged in to the test registry,
// in the Go environment goEnv plus extra.
func mingoGoEnv(dir string, goEnv []string, args ...string) result {
	vars := append([]string{"SSL_CERT_FILE=" + env.reg.CAFile, "DOCKER_CONFIG=" + env.reg.DockerConfigDir}, goEnv...)
	return runEnv(dir, vars, env.mingo, args...)
}

// probeRepo makes a git repository of the probe module with one commit
// and returns its path.
func probeRepo(t *testing.T) string {
	t.Helper()
	src := t.TempDir()
	if err := os.CopyFS(src, os.DirFS(env.probeDir)); err != nil {
		t.Fatal(err)
	}
	git := []string{"GIT_AUTHOR_NAME=e2e", "GIT_AUTHOR_EMAIL=e2e@example.com", "GIT_COMMITTER_NAME=e2e", "GIT_COMMITTER_EMAIL=e2e@example.com",
		"GIT_AUTHOR_DATE=2024-01-01T00:00:00Z", "GIT_COMMITTER_DATE=2024-01-01T00:00:00Z", "HOME=" + t.TempDir()}
	runOK(t, src, git, "git", "init", "-q")
	runOK(t, src, git, "git", "add", ".")
	runOK(t, src, git, "git", "commit", "-q", "-m", "probe")
	return src
}

func gitClone(t *testing.T, repo string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "clone")
	runOK(t, "", []string{"HOME=" + t.TempDir()}, "git", "clone", "-q", repo, dir)
	return dir
}

var digestRE = regexp.MustCompile(`sha256:[0-9a-f]{64}`)

// One commit, two clones (one with an untracked file), two machines (one
// whose go env file says GOFLAGS=-buildvcs=false and GOAMD64=v3), with
// empty caches: one index digest. mingo verify from a third clone in a
// third fresh Go environment matches.
func TestReproducibleAcrossCheckouts(t *testing.T) {
	requireEnv(t)
	repo := probeRepo(t)
	a, b := gitClone(t, repo), gitClone(t, repo)
	if err := os.WriteFile(filepath.Join(b, "hello.tar"), []byte("an untracked file"), 0o644); err != nil {
		t.Fatal(err)
	}
	ref := env.reg.Host + "/e2e/repro"
	plats := "linux/amd64,linux/arm64"
	// Both builds start from an empty Go build cache, not the host's; they
	// share it, which cannot make them alike (Go keys every entry by all
	// of its inputs, the environment included) and saves a cold compile
	// of the standard library for two platforms, minutes on a busy machine.
	gocache := "GOCACHE=" + t.TempDir()
	fresh := func(goenvW ...string) []string {
		return append(freshGoEnv(t, goenvW...), gocache)
	}
	ra := mingoGoEnv(a, fresh(), "build", ".", "-t", ref+":a", "--platform", plats)
	if ra.err != nil {
		t.Fatalf("build in clone a: %v\n%s", ra.err, ra.stderr)
	}
	rb := mingoGoEnv(b, fresh("GOFLAGS=-buildvcs=false", "GOAMD64=v3"), "build", ".", "-t", ref+":b", "--platform", plats)
	if rb.err != nil {
		t.Fatalf("build in clone b: %v\n%s", rb.err, rb.stderr)
	}
	da, db := digestRE.FindString(ra.stdout), digestRE.FindString(rb.stdout)
	if da == "" || da != db {
		t.Fatalf("index digests differ: clean clone %q, clone with an untracked file and go env -w %q", da, db)
	}
	rev := strings.TrimSpace(runOK(t, repo, nil, "git", "rev-parse", "HEAD"))
	if ann := indexOf(t, ref+":a").Annotations["org.opencontainers.image.revision"]; ann != rev {
		t.Errorf("revision annotation %q, want the commit %s", ann, rev)
	}
	// A fresh Go environment and mingo cache; the Go build cache is the
	// host's (it cannot change what is built, and a third cold compile
	// of the standard library for two platforms costs minutes).
	rv := mingoGoEnv(gitClone(t, repo), freshGoEnv(t), "verify", ".", ref+":b")
	if rv.err != nil || strings.Count(rv.stdout, " match ") != 3 {
		t.Errorf("verify from a fresh clone: %v\n%s%s", rv.err, rv.stdout, rv.stderr)
	}
}

// Host GOFLAGS that would change the binary are refused before anything
// is built, with the flag to use instead, whether they come from the
// environment or from go env -w; -toolexec always.
func TestHostGOFLAGSRefused(t *testing.T) {
	requireEnv(t)
	for _, tc := range []struct {
		name string
		env  []string
		want []string
	}{
		{"tags in the environment", append(freshGoEnv(t), "GOFLAGS=-tags=netgo"), []string{"-tags=netgo in GOFLAGS", "--build-tags", "unset GOFLAGS"}},
		{"tags from go env -w", freshGoEnv(t, "GOFLAGS=-tags=netgo"), []string{"-tags=netgo in GOFLAGS (from go env -w)", "--build-tags", "go env -u GOFLAGS"}},
		{"toolexec", append(freshGoEnv(t), "GOFLAGS=-toolexec=/bin/true"), []string{"-toolexec=/bin/true in GOFLAGS", "never builds with -toolexec"}},
		{"ldflags", append(freshGoEnv(t), "GOFLAGS=-ldflags=-X=main.x=1"), []string{"--ldflags"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			r := mingoGoEnv(env.probeDir, tc.env, "build", ".", "--oci-layout", out)
			if r.err == nil || r.stdout != "" {
				t.Fatalf("mingo build: %v, stdout %q; want a refusal", r.err, r.stdout)
			}
			lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
			last := lines[len(lines)-1]
			for _, w := range tc.want {
				if !strings.Contains(last, w) {
					t.Errorf("error %q lacks %q", last, w)
				}
			}
			if _, err := os.Stat(out); err == nil {
				t.Error("a refused build wrote its output")
			}
		})
	}
	// Settings that cannot change the binary pass.
	r := mingoGoEnv(env.probeDir, append(freshGoEnv(t), "GOFLAGS=-modcacherw -buildvcs=true -trimpath"), "build", ".", "--platform", "linux/amd64", "--oci-layout", filepath.Join(t.TempDir(), "out"))
	if r.err != nil {
		t.Errorf("GOFLAGS=-modcacherw -buildvcs=true -trimpath: %v\n%s", r.err, r.stderr)
	}
}

// SOURCE_DATE_EPOCH=0 round-trips: build, push, verify matches; a changed
// source line gives MISMATCH naming the binary layer.
func TestSourceDateEpochZeroVerifies(t *testing.T) {
	requireEnv(t)
	src := t.TempDir()
	if err := os.CopyFS(src, os.DirFS(env.probeDir)); err != nil {
		t.Fatal(err)
	}
	ref := env.reg.Host + "/e2e/epoch0:v1"
	goEnv := freshGoEnv(t)
	r := mingoGoEnv(src, append(goEnv, "SOURCE_DATE_EPOCH=0"), "build", ".", "-t", ref, "--platform", "linux/amd64,linux/arm64")
	if r.err != nil {
		t.Fatalf("build: %v\n%s", r.err, r.stderr)
	}
	if c := indexOf(t, ref).Annotations["org.opencontainers.image.created"]; c != "1970-01-01T00:00:00Z" {
		t.Errorf("created annotation %q, want the epoch", c)
	}
	if r := mingoGoEnv(src, goEnv, "verify", ".", ref); r.err != nil || strings.Count(r.stdout, " match ") != 3 {
		t.Fatalf("verify: %v\n%s%s", r.err, r.stdout, r.stderr)
	}
	main := filepath.Join(src, "main.go")
	b, _ := os.ReadFile(main)
	os.WriteFile(main, bytes.Replace(b, []byte(`"probe"`), []byte(`"probe2"`), 1), 0o644)
	r = mingoGoEnv(src, goEnv, "verify", ".", ref)
	if r.err == nil || strings.Count(r.stdout, "MISMATCH") != 2 || !strings.Contains(r.stdout, "(binary): registry sha256:") {
		t.Errorf("verify of changed source: %v, want MISMATCH naming the binary layer\n%s%s", r.err, r.stdout, r.stderr)
	}
	if strings.Contains(r.stdout, "config") || strings.Contains(r.stdout, "annotation") {
		t.Errorf("a source change reported as a config or annotation difference:\n%s", r.stdout)
	}
}

const tokenMain = `package main

import "fmt"

var token = "none"

func main() { fmt.Println(len(token)) }
`

// --ldflags "-X main.token=SECRET": the secret is in no manifest, config,
// annotation, SBOM, signature or provenance in the registry (every blob
// but the binary's layer, which holds it as the README says); verify
// with the same flags matches, with other flags or none it fails.
func TestLDFlagsSecretNotPublished(t *testing.T) {
	requireEnv(t)
	src := t.TempDir()
	os.WriteFile(filepath.Join(src, "go.mod"), []byte("module example.com/secret\n\ngo 1.22\n"), 0o644)
	os.WriteFile(filepath.Join(src, "main.go"), []byte(tokenMain), 0o644)
	secret := make([]byte, 12)
	rand.Read(secret)
	token := "SECRET" + hex.EncodeToString(secret)
	ldflags := "-X main.token=" + token
	keys := t.TempDir()
	pass := []string{"COSIGN_PASSWORD=e2e-passphrase"}
	generateKey(t, keys, pass)
	ref := env.reg.Host + "/e2e/secret:v1"
	goEnv := freshGoEnv(t)
	r := mingoGoEnv(src, append(goEnv, pass...), "build", ".", "-t", ref, "--ldflags", ldflags,
		"--sign", "--key", filepath.Join(keys, "cosign.key"), "--tlog-upload=false", "--provenance")
	if r.err != nil {
		t.Fatalf("build: %v\n%s", r.err, r.stderr)
	}
	if strings.Contains(r.stdout+r.stderr, token) {
		t.Errorf("mingo printed the secret")
	}
	inBinary := 0
	filepath.WalkDir(env.reg.StorageDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() != "data" {
			return err
		}
		blob, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if gz, err := gzip.NewReader(bytes.NewReader(blob)); err == nil {
			// An image layer: only the binary may hold the token.
			if plain, _ := io.ReadAll(gz); bytes.Contains(plain, []byte(token)) {
				inBinary++
			}
			return nil
		}
		for _, text := range append([][]byte{blob}, payloads(blob)...) {
			if bytes.Contains(text, []byte(token)) {
				t.Errorf("blob %s holds the secret:\n%.400s", path, text)
			}
		}
		return nil
	})
	if inBinary != 2 {
		t.Errorf("the secret is in %d layers, want the two binaries' (so that the search could find it)", inBinary)
	}
	if r := mingoGoEnv(src, goEnv, "verify", ".", ref, "--ldflags", ldflags); r.err != nil || strings.Count(r.stdout, " match ") != 3 {
		t.Errorf("verify with the same --ldflags: %v\n%s%s", r.err, r.stdout, r.stderr)
	}
	for _, other := range [][]string{{"--ldflags", "-X main.token=other"}, nil} {
		r := mingoGoEnv(src, goEnv, append([]string{"verify", ".", ref}, other...)...)
		if r.err == nil || !strings.Contains(r.stderr, "ldflags") || strings.Contains(r.stderr+r.stdout, token) {
			t.Errorf("verify with %v: %v, want a failure about the ldflags\n%s%s", other, r.err, r.stdout, r.stderr)
		}
	}
}

var payloadRE = regexp.MustCompile(`"payload"\s*:\s*"([A-Za-z0-9+/=]+)"`)

// payloads decodes the base64 DSSE payloads (attestations) in a blob.
func payloads(blob []byte) [][]byte {
	var out [][]byte
	for _, m := range payloadRE.FindAllSubmatch(blob, -1) {
		if b, err := base64.StdEncoding.DecodeString(string(m[1])); err == nil {
			out = append(out, b)
		}
	}
	return out
}
