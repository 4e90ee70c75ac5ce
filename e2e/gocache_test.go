package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// goCacheModule writes a std-only module with a main package and a test,
// whose greeting is greeting (another greeting, other actions).
func goCacheModule(t *testing.T, greeting string) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"go.mod":        "module example.com/gocacheapp\n\ngo 1.24\n",
		"main.go":       "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(greeting()) }\n",
		"greet.go":      "package main\n\nfunc greeting() string { return \"" + greeting + "\" }\n",
		"greet_test.go": "package main\n\nimport \"testing\"\n\nfunc TestGreeting(t *testing.T) {\n\tif greeting() != \"" + greeting + "\" {\n\t\tt.Fatal(greeting())\n\t}\n}\n",
	}
	for n, s := range files {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// goWithCache runs the go command in dir like a fresh CI runner (empty
// GOCACHE, and MINGO_CACHE=tier, "" for an empty one) with
// GOCACHEPROG="mingo gocache -v --repo repo flags..."; dockerConfig "" is
// the registry's credentials.
func goWithCache(t *testing.T, dir, tier, repo, dockerConfig string, goArgs []string, flags ...string) result {
	t.Helper()
	if dockerConfig == "" {
		dockerConfig = env.reg.DockerConfigDir
	}
	if tier == "" {
		tier = t.TempDir()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", goArgs...)
	cmd.Dir = dir
	prog := strings.Join(append([]string{env.mingo, "gocache", "-v", "--repo", repo}, flags...), " ")
	cmd.Env = append(os.Environ(),
		"SSL_CERT_FILE="+env.reg.CAFile, "DOCKER_CONFIG="+dockerConfig,
		"MINGO_CACHE="+tier, "GOCACHE="+t.TempDir(), "GOCACHEPROG="+prog,
		"GOFLAGS=-mod=mod", "GOPROXY=off", "GOTOOLCHAIN=local", "CGO_ENABLED=0")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	took := time.Since(start).Round(10 * time.Millisecond)
	r := result{stdout.String(), stderr.String(), err}
	if err != nil {
		t.Fatalf("go %s: %v\n%s%s", strings.Join(goArgs, " "), err, r.stdout, r.stderr)
	}
	t.Logf("go %s: %s: %s", strings.Join(goArgs, " "), took, lineWith(r.stderr, "mingo gocache: "))
	return r
}

// TestGoCache: a second cold runner gets its compiled packages and test
// results from the repository.
func TestGoCache(t *testing.T) {
	requireEnv(t)
	repo := env.reg.Host + "/gocache-e2e"
	mod := goCacheModule(t, "hello")
	first := goWithCache(t, mod, "", repo, "", []string{"test", "."})
	if strings.Contains(first.stdout, "(cached)") || strings.Contains(first.stderr, "warning") {
		t.Fatalf("first runner: %s%s", first.stdout, first.stderr)
	}
	second := goWithCache(t, mod, warmTierDir(), repo, "", []string{"test", "."})
	if !strings.Contains(second.stdout, "(cached)") || strings.Contains(second.stderr, "warning") {
		t.Errorf("second runner: want the test result cached and no warning:\n%s%s", second.stdout, second.stderr)
	}
	build := goWithCache(t, mod, "", repo, "", []string{"build", "-x", "-o", t.TempDir() + "/", "."})
	if n := strings.Count(build.stderr, "/compile "); n > 1 {
		t.Errorf("third runner: go build ran the compiler %d times (want the main package at most)", n)
	}
}

// warmTierDir is the local tier that TestGoCache's second runner fills
// with the standard library's packages, compiled once.
func warmTierDir() string { return filepath.Join(env.work, "gocache-warm-tier") }

// warmTier returns warmTierDir, filled first if TestGoCache did not run.
func warmTier(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat(filepath.Join(warmTierDir(), "gocache", "o")); err != nil {
		goWithCache(t, goCacheModule(t, "hello"), warmTierDir(), env.reg.Host+"/gocache-e2e", "", []string{"test", "."})
	}
	return warmTierDir()
}

// TestGoCacheFaultyRepo: an unreachable or denying repository is one
// warning and a normal build; pull-only credentials read and warn once
// that they cannot write; --read-only reads and never writes. A warm
// local tier (the standard library) keeps it fast: only the module's own
// actions go to the repository.
func TestGoCacheFaultyRepo(t *testing.T) {
	requireEnv(t)
	tier := warmTier(t)
	denied, deniedConfig := proxy(t, false, true)
	pullOnly, pullOnlyConfig := proxy(t, true, false)
	for _, tt := range []struct{ name, repo, dockerConfig, warning string }{
		{"unreachable", "127.0.0.1:1/gocache", "", "using the local cache only"},
		{"denied", denied + "/gocache", deniedConfig, "using the local cache only"},
		{"pull-only", pullOnly + "/gocache-e2e", pullOnlyConfig, "not writing to it"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := goWithCache(t, goCacheModule(t, "faulty "+tt.name), tier, tt.repo, tt.dockerConfig, []string{"test", "."})
			if n := strings.Count(r.stderr, "mingo gocache: warning: go cache repository "+tt.repo); n != 1 || !strings.Contains(r.stderr, tt.warning) {
				t.Errorf("%d warnings, want 1 saying %q:\n%s", n, tt.warning, r.stderr)
			}
		})
	}
	t.Run("read-only", func(t *testing.T) {
		repo := env.reg.Host + "/gocache-e2e"
		before := goCacheTags(t, repo)
		r := goWithCache(t, goCacheModule(t, "read-only"), tier, repo, "", []string{"test", "."}, "--read-only")
		if strings.Contains(r.stderr, "warning") || !strings.Contains(r.stderr, " 0 uploaded") {
			t.Errorf("--read-only: want no warning and no upload:\n%s", r.stderr)
		}
		if after := goCacheTags(t, repo); after != before {
			t.Errorf("--read-only wrote to the repository: %d entries, %d before", after, before)
		}
	})
}

// TestGoCacheFromBuild: mingo build --cache-repo keeps Go's build cache
// in the same repository, a GOCACHEPROG of the user's wins, and
// MINGO_CACHE_REPO_READONLY=1 records nothing.
func TestGoCacheFromBuild(t *testing.T) {
	requireEnv(t)
	mod := goCacheModule(t, "from mingo build")
	repo := env.reg.Host + "/gocache-build"
	mustRun(t, mod, "", nil, "build", ".", "--push=false", "--platform", "linux/amd64", "--cache-repo", repo)
	if n := goCacheTags(t, repo); n == 0 {
		t.Fatalf("mingo build --cache-repo %s recorded no gocache- entry", repo)
	}
	// The user's GOCACHEPROG (here, the repository the first build
	// filled: only package main is new) wins over --cache-repo's.
	before := goCacheTags(t, repo)
	prog := env.mingo + " gocache --repo " + repo
	other := env.reg.Host + "/gocache-build2"
	mustRun(t, goCacheModule(t, "theirs"), "", []string{"GOCACHEPROG=" + prog}, "build", ".", "--push=false", "--platform", "linux/amd64", "--cache-repo", other)
	if goCacheTags(t, repo) <= before || goCacheTags(t, other) != 0 {
		t.Errorf("the user's GOCACHEPROG did not win")
	}
	// MINGO_CACHE_REPO_READONLY=1: hits, and nothing recorded.
	all := tagsWithPrefix(t, repo, "")
	mustRun(t, goCacheModule(t, "read-only build"), "", []string{"MINGO_CACHE_REPO_READONLY=1"}, "build", ".", "--push=false", "--platform", "linux/amd64", "--cache-repo", repo)
	if n := tagsWithPrefix(t, repo, ""); n != all {
		t.Errorf("MINGO_CACHE_REPO_READONLY=1: %d tags, %d before", n, all)
	}
}

// goCacheTags counts the repository's gocache- tags.
func goCacheTags(t *testing.T, repo string) int {
	t.Helper()
	return tagsWithPrefix(t, repo, "gocache-")
}

// tagsWithPrefix counts the repository's tags that start with prefix.
func tagsWithPrefix(t *testing.T, repo, prefix string) int {
	t.Helper()
	out, err := exec.Command("/usr/bin/skopeo", "list-tags", "--cert-dir", registryCertDir(t),
		"--authfile", filepath.Join(env.reg.DockerConfigDir, "config.json"), "docker://"+repo).Output()
	if err != nil {
		return 0 // no such repository
	}
	var list struct{ Tags []string }
	if err := json.Unmarshal(out, &list); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, tag := range list.Tags {
		if strings.HasPrefix(tag, prefix) {
			n++
		}
	}
	return n
}

// TestGoCacheRepoTrim: mingo cache repo counts a repository's entries and
// deletes those older than --max-age.
func TestGoCacheRepoTrim(t *testing.T) {
	requireEnv(t)
	repo := env.reg.Host + "/gocache-trim"
	goWithCache(t, goCacheModule(t, "trim"), warmTier(t), repo, "", []string{"test", "."})
	n := goCacheTags(t, repo)
	if n == 0 {
		t.Fatal("no entries to trim")
	}
	time.Sleep(2 * time.Second)
	r := mustRun(t, t.TempDir(), "", nil, "cache", "repo", repo, "--max-age", "1s")
	if !strings.Contains(r.stdout, fmt.Sprintf("%s: %d entries", repo, n)) || !strings.Contains(r.stdout, fmt.Sprintf("removed %d entries", n)) {
		t.Errorf("mingo cache repo --max-age 1s, with %d entries:\n%s", n, r.stdout)
	}
	if left := goCacheTags(t, repo); left != 0 {
		t.Errorf("%d entries left after the trim", left)
	}
	if r := mustRun(t, t.TempDir(), "", nil, "cache", "repo", repo); !strings.Contains(r.stdout, repo+": 0 entries") {
		t.Errorf("mingo cache repo after the trim:\n%s", r.stdout)
	}
}
