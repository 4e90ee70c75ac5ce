package e2e

import (
	"fmt"
	"os"
	"path/filepath"
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
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := t.TempDir()
			args := append([]string{"build"}, tc.args...)
			runEnv := tc.env
			var cache string // the run's own, when upFront
			if tc.upFront {
				cache = t.TempDir()
				args = append(args, "--oci-layout", filepath.Join(out, "layout"))
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
