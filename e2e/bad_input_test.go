package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mingo-build/mingo/e2e/internal/harness"
)

// Bad input: each gets a one-line error, a non-zero exit, nothing on
// standard output and no file or tag left behind.
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
	repo := env.reg.Host + "/e2e/bad"
	for _, tc := range []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"non-main package", nil, []string{"./lib", "--push=false"}, "is not a main package"},
		{"missing package", nil, []string{"./nope", "--push=false"}, "not found"},
		{"cgo-only package", nil, []string{"./cgoonly", "--push=false"}, `imports "C" in main.go`},
		{"unknown platform", nil, []string{".", "--platform", "linux/amd64,linux/vax", "--push=false"}, "unknown platform"},
		{"unreachable registry", nil, []string{".", "-t", fmt.Sprintf("127.0.0.1:%d/e2e/bad:v1", closed)}, "cannot reach registry"},
		{"wrong credentials", []string{"DOCKER_CONFIG=" + wrongCreds}, []string{".", "-t", repo + ":v1"}, "rejected the credentials"},
		{"untrusted TLS", []string{"SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"}, []string{".", "-t", repo + ":v1"}, "does not trust"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			args := append([]string{"build"}, tc.args...)
			args = append(args, "--tarball", filepath.Join(dir, "out.tar"))
			r := mingo(t, tc.env, args...)
			if r.err == nil {
				t.Fatalf("mingo %v succeeded", args)
			}
			msg := strings.TrimSpace(r.stderr)
			lines := strings.Split(msg, "\n")
			last := lines[len(lines)-1]
			if !strings.HasPrefix(last, "mingo: error: ") || !strings.Contains(last, tc.want) {
				t.Errorf("stderr ends with %q, want a one-line error containing %q", last, tc.want)
			}
			if strings.Contains(r.stderr, "wrong") && tc.name == "wrong credentials" {
				t.Errorf("stderr shows the password: %q", r.stderr)
			}
			if r.stdout != "" {
				t.Errorf("stdout = %q on failure", r.stdout)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("left behind: %v", entries)
			}
		})
	}
	// Neither failed push wrote the tag.
	cmd := exec.Command("/usr/bin/skopeo", "inspect", "--raw", "--cert-dir", registryCertDir(t),
		"--authfile", filepath.Join(env.reg.DockerConfigDir, "config.json"), "docker://"+repo+":v1")
	if out, err := cmd.CombinedOutput(); err == nil {
		t.Errorf("a failed build left %s:v1 in the registry: %s", repo, out)
	}
}

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

// Bad inputs fail in a second with a one-line error, before anything is
// compiled (the run's cache has no build directory), written or pushed.
func TestBadInputUpFront(t *testing.T) {
	requireEnv(t)
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
	repo := env.reg.Host + "/e2e/upfront"
	for _, tc := range []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"alias bomb", nil, []string{"--config", bomb, "-t", "v1", "--repo", repo}, "mingo.yaml:4: too large: YAML aliases expand"},
		{"tag starting with -", nil, []string{".", "-t", repo + ":-bad"}, `invalid --tag "` + repo + `:-bad"`},
		{"year 10000", []string{"SOURCE_DATE_EPOCH=253402300800"}, []string{".", "-t", repo + ":v1"}, "SOURCE_DATE_EPOCH=\"253402300800\" is past the year 9999"},
		{"directory tarball", nil, []string{".", "--push=false", "--tarball", cfgDir}, "--tarball " + cfgDir + ": is a directory"},
		{"space in platform list", nil, []string{".", "--push=false", "--platform", "linux/amd64, linux/arm64"}, "without spaces"},
		{"trailing slash in platform", nil, []string{".", "--push=false", "--platform", "linux/amd64/"}, "invalid platform"},
		{"huge ldflags", nil, []string{"--config", longFlags, "--push=false"}, "long.yaml:2: images[0]: ldflags of 204825 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := t.TempDir()
			cache := t.TempDir()
			args := append([]string{"build"}, tc.args...)
			args = append(args, "--oci-layout", filepath.Join(out, "layout"))
			start := time.Now()
			r := mingo(t, append([]string{"MINGO_CACHE=" + cache}, tc.env...), args...)
			took := time.Since(start)
			if r.err == nil {
				t.Fatalf("mingo succeeded")
			}
			lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
			if len(lines) != 1 || !strings.HasPrefix(lines[0], "mingo: error: ") || !strings.Contains(lines[0], tc.want) {
				t.Errorf("stderr %q, want one line containing %q", r.stderr, tc.want)
			}
			if r.stdout != "" {
				t.Errorf("stdout = %q on failure", r.stdout)
			}
			if _, err := os.Stat(filepath.Join(cache, "bin")); err == nil {
				t.Errorf("it compiled before refusing the input")
			}
			if entries, _ := os.ReadDir(out); len(entries) != 0 {
				t.Errorf("left behind: %v", entries)
			}
			t.Logf("refused in %v", took.Round(time.Millisecond))
		})
	}
	if _, err := skopeoMaybe(t, "inspect", "--raw", "--cert-dir", registryCertDir(t),
		"--authfile", filepath.Join(env.reg.DockerConfigDir, "config.json"), "docker://"+repo+":v1"); err == nil {
		t.Errorf("a refused build pushed %s:v1", repo)
	}
}
