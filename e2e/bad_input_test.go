package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mingo-build/mingo/e2e/internal/harness"
	"github.com/mingo-build/mingo/internal/modproxy"
)

// aliasBomb is a small mingo.yaml whose aliases, under a known key, expand
// to gigabytes.
func aliasBomb() string {
	var b strings.Builder
	b.WriteString("x0: &a0 [\"" + strings.Repeat("A", 1000) + "\"]\n")
	for i := 1; i < 10; i++ {
		fmt.Fprintf(&b, "x%d: &a%d [*a%d,*a%d,*a%d,*a%d,*a%d,*a%d,*a%d,*a%d,*a%d,*a%d]\n", i, i, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1, i-1)
	}
	b.WriteString("images:\n  - package: .\n    args: *a9\n")
	return b.String()
}

// Bad input: each gets a one-line error (the last line of standard error),
// a non-zero exit, nothing on standard output and no file or tag left
// behind, and no credential on standard error.
//
// Input that is wrong on its face (upFront) is refused in a second, before
// anything is compiled (the run's own cache has no build directory),
// written or pushed, and the error is standard error's only line. Those
// runs write an OCI layout (one of them gives a directory as --tarball);
// the others write a tarball.
func TestBadInput(t *testing.T) {
	requireEnv(t)
	closed, err := harness.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	wrongCreds := t.TempDir()
	cfg := fmt.Sprintf(`{"auths":{%q:{"auth":"dXNlcjp3cm9uZw=="}}}`, env.reg.Host) // user:wrong
	if err := os.WriteFile(filepath.Join(wrongCreds, "config.json"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	cfgDir := t.TempDir()
	bomb := filepath.Join(cfgDir, "mingo.yaml")
	if err := os.WriteFile(bomb, []byte(aliasBomb()), 0o644); err != nil {
		t.Fatal(err)
	}
	longFlags := filepath.Join(cfgDir, "long.yaml")
	long := "images:\n  - package: .\n    ldflags: -X main.v=" + strings.Repeat("v", 200<<10) + "\n"
	if err := os.WriteFile(longFlags, []byte(long), 0o644); err != nil {
		t.Fatal(err)
	}
	notLayout := t.TempDir()
	if err := os.WriteFile(filepath.Join(notLayout, "main.go"), []byte("package main\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	roCache := readOnlyCache(t)
	repo := env.reg.Host + "/e2e/bad"
	proxy := modproxy.Env(t)
	for _, tc := range []struct {
		name    string
		env     []string
		args    []string
		want    string
		secret  string // must not appear on standard error
		upFront bool
	}{
		{name: "non-main package", args: []string{"./lib", "--push=false"}, want: "is not a main package"},
		{name: "missing package", args: []string{"./nope", "--push=false"}, want: "not found"},
		{name: "cgo-only package", args: []string{"./cgoonly", "--push=false"}, want: `imports "C" in main.go`},
		{name: "package not in go.mod", args: []string{"example.com/notthere/cmd/x", "--push=false"}, want: "no required module provides package example.com/notthere/cmd/x; to add it: go get example.com/notthere/cmd/x"},
		{name: "go-sqlite3 stub without cgo", env: proxy, args: []string{"example.com/sqliteapp@v1.0.0", "--push=false"}, want: "package github.com/mattn/go-sqlite3 needs cgo: CGO_ENABLED=0 leaves out sqlite3.go, and its pure-Go side is a stub"},
		{name: "unknown platform", args: []string{".", "--platform", "linux/amd64,linux/vax", "--push=false"}, want: "unknown platform"},
		{name: "unreachable registry", args: []string{".", "-t", fmt.Sprintf("127.0.0.1:%d/e2e/bad:v1", closed)}, want: "cannot reach registry"},
		{name: "wrong credentials", env: []string{"DOCKER_CONFIG=" + wrongCreds}, args: []string{".", "-t", repo + ":v1"}, want: "rejected the credentials", secret: "wrong"},
		{name: "untrusted TLS", env: []string{"SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"}, args: []string{".", "-t", repo + ":v1"}, want: "does not trust"},

		{name: "go file", args: []string{"cmd/alpha/main.go"}, want: "cmd/alpha/main.go is a Go file, and mingo builds packages: give its package directory instead, for example mingo build ./cmd/alpha", upFront: true},
		{name: "alias bomb", args: []string{"--config", bomb, "-t", "v1", "--repo", repo}, want: "mingo.yaml:4: too large: YAML aliases expand", upFront: true},
		{name: "tag starting with -", args: []string{".", "-t", repo + ":-bad"}, want: `invalid --tag "` + repo + `:-bad"`, upFront: true},
		{name: "year 10000", env: []string{"SOURCE_DATE_EPOCH=253402300800"}, args: []string{".", "-t", repo + ":v1"}, want: "SOURCE_DATE_EPOCH=\"253402300800\" is past the year 9999", upFront: true},
		{name: "directory tarball", args: []string{".", "--push=false", "--tarball", cfgDir}, want: "--tarball " + cfgDir + ": is a directory", upFront: true},
		{name: "space in platform list", args: []string{".", "--push=false", "--platform", "linux/amd64, linux/arm64"}, want: "without spaces", upFront: true},
		{name: "trailing slash in platform", args: []string{".", "--push=false", "--platform", "linux/amd64/"}, want: "invalid platform", upFront: true},
		{name: "huge ldflags", args: []string{"--config", longFlags, "--push=false"}, want: "long.yaml:3: images[0].ldflags: 204825 bytes", upFront: true},
		{name: "HOME unset", env: []string{"HOME=", "GOCACHE=", "XDG_CACHE_HOME="}, args: []string{".", "--push=false"}, want: "HOME is not set, and the go command keeps its build cache under it: set HOME (or GOCACHE)", upFront: true},
		{name: "read-only warm cache", env: []string{"MINGO_CACHE=" + roCache}, args: []string{".", "--push=false"}, want: "layer cache " + roCache + " is not writable (set MINGO_CACHE to a writable directory): read-only file system", upFront: true},
		{name: "--oci-layout names a file", args: []string{".", "--push=false", "--oci-layout", longFlags}, want: "--oci-layout " + longFlags + ": is a file, not a directory: choose", upFront: true},
		{name: "--oci-layout names a non-layout directory", args: []string{".", "--push=false", "--oci-layout", notLayout}, want: "--oci-layout " + notLayout + ": exists and is not an OCI layout: choose", upFront: true},
		{name: "port out of range", args: []string{".", "--push=false", "-t", "127.0.0.1:99999/x:v1"}, want: "port 99999 out of range 1-65535", upFront: true},
		{name: "capitals in the repository", args: []string{".", "-t", "localhost:5000/Hello:V1"}, want: "repository names are lowercase: use localhost:5000/hello:V1", upFront: true},
		{name: "shorthand in the wrong case", args: []string{".", "-T", repo + ":v1"}, want: "unknown shorthand flag: 'T' in -T: did you mean -t?", upFront: true},
		{name: "mistyped long flag", args: []string{".", "--tarbal", "x.tar"}, want: "unknown flag: --tarbal: did you mean --tarball?", upFront: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := t.TempDir()
			args := append([]string{"build"}, tc.args...)
			runEnv := tc.env
			var cache string // the run's own, when upFront
			if tc.upFront {
				cache = t.TempDir()
				if !slices.Contains(tc.args, "--oci-layout") {
					args = append(args, "--oci-layout", filepath.Join(out, "layout"))
				}
				runEnv = append([]string{"MINGO_CACHE=" + cache}, tc.env...)
			} else {
				args = append(args, "--tarball", filepath.Join(out, "out.tar"))
			}
			start := time.Now()
			r := mingo(t, runEnv, args...)
			took := time.Since(start)
			if r.err == nil {
				t.Fatalf("mingo %v succeeded", args)
			}
			lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
			last := lines[len(lines)-1]
			if !strings.HasPrefix(last, "mingo: error: ") || !strings.Contains(last, tc.want) {
				t.Errorf("stderr ends with %q, want a one-line error containing %q", last, tc.want)
			}
			if tc.upFront && len(lines) != 1 {
				t.Errorf("stderr %q, want one line containing %q", r.stderr, tc.want)
			}
			if tc.secret != "" && strings.Contains(r.stderr, tc.secret) {
				t.Errorf("stderr shows the password: %q", r.stderr)
			}
			if r.stdout != "" {
				t.Errorf("stdout = %q on failure", r.stdout)
			}
			if tc.upFront {
				if _, err := os.Stat(filepath.Join(cache, "bin")); err == nil {
					t.Errorf("it compiled before refusing the input")
				}
			}
			if entries, _ := os.ReadDir(out); len(entries) != 0 {
				t.Errorf("left behind: %v", entries)
			}
			t.Logf("refused in %v", took.Round(time.Millisecond))
		})
	}
	// No failed or refused build wrote the tag.
	if out, err := skopeoMaybe(t, "inspect", "--raw", "--cert-dir", registryCertDir(t),
		"--authfile", filepath.Join(env.reg.DockerConfigDir, "config.json"), "docker://"+repo+":v1"); err == nil {
		t.Errorf("a failed build left %s:v1 in the registry: %s", repo, out)
	}
}

// readOnlyCache is a mingo cache warmed by a build, then mounted read-only
// (root ignores file modes) until the test ends.
func readOnlyCache(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if r := mingo(t, []string{"MINGO_CACHE=" + dir}, "build", ".", "--push=false", "--platform", "linux/amd64"); r.err != nil {
		t.Fatalf("warming the cache: %v\n%s", r.err, r.stderr)
	}
	for _, args := range [][]string{{"--bind", dir, dir}, {"-o", "remount,bind,ro", dir}} {
		if out, err := exec.Command("mount", args...).CombinedOutput(); err != nil {
			t.Fatalf("mount %v: %v: %s", args, err, out)
		}
	}
	t.Cleanup(func() { exec.Command("umount", dir).Run() })
	return dir
}

// Command lines that are wrong before any flag is read: a mistyped
// command, resolve's YAML given as an argument, verify with one argument
// or an image that is not there. Each gets one line naming the fix.
func TestBadCommandLine(t *testing.T) {
	requireEnv(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"biuld", "."}, `unknown command "biuld" for "mingo": did you mean build?`},
		{[]string{"resolve", "app.yaml"}, "mingo resolve takes its YAML from -f, not arguments: give -f app.yaml"},
		{[]string{"verify", "."}, "mingo verify takes 2 argument(s), got 1: usage: mingo verify PACKAGE IMAGE [flags]"},
		{[]string{"verify", ".", "./nope.tar"}, "IMAGE ./nope.tar: file does not exist"},
		{[]string{"verify", ".", "."}, "IMAGE . is a directory without an oci-layout file: give an --oci-layout directory"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			r := mingo(t, nil, tc.args...)
			if r.err == nil || r.stdout != "" {
				t.Fatalf("mingo %v: %v, stdout %q; want a failure", tc.args, r.err, r.stdout)
			}
			if got := strings.TrimSpace(r.stderr); got != "mingo: error: "+tc.want {
				t.Errorf("stderr %q, want the one line %q", got, "mingo: error: "+tc.want)
			}
		})
	}
}
