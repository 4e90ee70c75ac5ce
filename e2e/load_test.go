package e2e

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mingo-build/mingo/e2e/internal/harness"
)

// --load into the harness's dockerd: the host's platform under the tag,
// the other one named on standard error, docker run works, stdout is the
// built digest; combined with --tarball and with ./cmd/...; a second
// identical build is not sent again.
func TestLoadDocker(t *testing.T) {
	requireEnv(t)
	ctx := context.Background()
	engine := env.docker.Env("")[:1]
	tarball := filepath.Join(t.TempDir(), "probe.tar")
	r := mingo(t, engine, "build", ".", "--load", "--platform", "linux/amd64,linux/arm64", "--tarball", tarball)
	if r.err != nil {
		t.Fatalf("mingo build --load: %v\n%s", r.err, r.stderr)
	}
	if !digestLine.MatchString(r.stdout) {
		t.Errorf("stdout = %q, want the built digest", r.stdout)
	}
	if !strings.Contains(r.stderr, "mingo.local/probe:latest gets linux/amd64 only") || !strings.Contains(r.stderr, "skipped linux/arm64") {
		t.Errorf("stderr does not say what was loaded and skipped:\n%s", r.stderr)
	}
	if _, err := os.Stat(tarball); err != nil {
		t.Errorf("--tarball with --load: %v", err)
	}
	got, err := env.docker.Run(ctx, "", "run", "--rm", "--network", "none", "mingo.local/probe:latest", "loaded")
	if err != nil || strings.TrimSpace(got) != "probe linux/amd64 loaded" {
		t.Errorf("docker run mingo.local/probe:latest: %q, %v", got, err)
	}
	arch, err := env.docker.Run(ctx, "", "image", "inspect", "--format", "{{.Architecture}}", "mingo.local/probe:latest")
	if err != nil || strings.TrimSpace(arch) != "amd64" {
		t.Errorf("loaded image architecture %q, %v", arch, err)
	}

	// The same build again: the engine has it, nothing is loaded, the
	// output is the same.
	again := mingo(t, engine, "build", ".", "--load", "--platform", "linux/amd64,linux/arm64")
	if again.err != nil || again.stdout != r.stdout {
		t.Errorf("second --load: %q, %v, want %q\n%s", again.stdout, again.err, r.stdout, again.stderr)
	}

	many := mingo(t, engine, "build", "./cmd/...", "--load", "-q", "--platform", "linux/amd64")
	if many.err != nil {
		t.Fatalf("mingo build ./cmd/... --load: %v\n%s", many.err, many.stderr)
	}
	if lines := strings.Split(strings.TrimSpace(many.stdout), "\n"); len(lines) != 3 {
		t.Errorf("stdout = %q, want three digests", many.stdout)
	}
	for _, n := range []string{"alpha", "beta", "gamma"} {
		got, err := env.docker.Run(ctx, "", "run", "--rm", "--network", "none", "mingo.local/"+n+":latest")
		if err != nil || strings.TrimSpace(got) != n {
			t.Errorf("docker run mingo.local/%s: %q, %v", n, got, err)
		}
	}

	// resolve --load: the reference becomes a tag the engine runs.
	manifest := filepath.Join(t.TempDir(), "pod.yaml")
	if err := os.WriteFile(manifest, []byte("kind: Pod\nimage: mingo://example.com/probe/cmd/beta # local\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	res := mingo(t, engine, "resolve", "-f", manifest, "--load", "--platform", "linux/amd64")
	m := regexp.MustCompile(`^kind: Pod\nimage: (mingo\.local/beta:[0-9a-f]{12}) # local\n$`).FindStringSubmatch(res.stdout)
	if res.err != nil || m == nil {
		t.Fatalf("resolve --load: %q, %v\n%s", res.stdout, res.err, res.stderr)
	}
	if got, err := env.docker.Run(ctx, "", "run", "--rm", "--network", "none", m[1]); err != nil || strings.TrimSpace(got) != "beta" {
		t.Errorf("docker run %s: %q, %v", m[1], got, err)
	}
}

// A stopped engine, and a socket this user may not open: a one-line error
// naming the socket and the fix, nothing built.
func TestLoadEngineErrors(t *testing.T) {
	requireEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	d, err := harness.StartDocker(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	host := d.Env("")[0]
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	r := mingo(t, []string{host}, "build", ".", "--load")
	sock := strings.TrimPrefix(host, "DOCKER_HOST=unix://")
	checkOneLineError(t, r, sock, "start Docker (or `podman system service`), or point DOCKER_HOST")

	// As an unprivileged user against the running dockerd's socket (0660,
	// root's): permission denied.
	bin := unprivilegedCopy(t)
	cmd := exec.CommandContext(ctx, bin, "build", ".", "--load")
	cmd.Dir = env.probeDir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=/nonexistent", env.docker.Env("")[0]}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	checkOneLineError(t, result{stdout.String(), stderr.String(), err}, env.docker.Socket, "permission denied; join the group that owns the socket")
}

// checkOneLineError checks that r failed with nothing on stdout and one
// line on stderr naming the socket and containing want.
func checkOneLineError(t *testing.T, r result, socket, want string) {
	t.Helper()
	if r.err == nil {
		t.Fatalf("mingo succeeded against %s:\n%s", socket, r.stderr)
	}
	if r.stdout != "" {
		t.Errorf("stdout = %q, want nothing", r.stdout)
	}
	line := strings.TrimSpace(r.stderr)
	if strings.Contains(line, "\n") || !strings.HasPrefix(line, "mingo: error: container engine at unix://"+socket+":") || !strings.Contains(line, want) {
		t.Errorf("stderr = %q, want one error line naming unix://%s and %q", r.stderr, socket, want)
	}
}

// unprivilegedCopy copies the mingo binary where user nobody may run it.
func unprivilegedCopy(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "mingo-nobody-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	b, err := os.ReadFile(env.mingo)
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "mingo")
	if err := os.WriteFile(bin, b, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return bin
}

// --load into podman through its Docker-compatible socket: listed by
// podman image inspect under the tag, runs with podman run; podman 4.3
// keeps the host's platform of a two-platform build and mingo names the
// other.
func TestLoadPodman(t *testing.T) {
	requireEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	p, err := harness.StartPodman(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := p.Close(); err != nil {
			t.Errorf("podman Close: %v", err)
		}
	}()
	ref := "registry.example.com/team/probe:v1"
	r := mingo(t, p.Env(), "build", ".", "--load", "-t", ref, "-t", "registry.example.com/team/probe:latest", "--platform", "linux/amd64,linux/arm64")
	if r.err != nil {
		t.Fatalf("mingo build --load: %v\n%s\n%s", r.err, r.stderr, harnessLog(p.LogFile))
	}
	if !digestLine.MatchString(r.stdout) {
		t.Errorf("stdout = %q, want the built digest", r.stdout)
	}
	if !regexp.MustCompile(`gets linux/amd64 only .*skipped linux/arm64`).MatchString(r.stderr) {
		t.Errorf("stderr does not name the skipped platform:\n%s", r.stderr)
	}
	out, err := p.Run(ctx, "image", "inspect", ref)
	if err != nil {
		t.Fatal(err)
	}
	var inspect []struct {
		Architecture string
		RepoTags     []string
	}
	if err := json.Unmarshal([]byte(out), &inspect); err != nil || len(inspect) != 1 {
		t.Fatalf("podman image inspect: %v\n%s", err, out)
	}
	if inspect[0].Architecture != "amd64" || strings.Join(inspect[0].RepoTags, ",") != ref+",registry.example.com/team/probe:latest" {
		t.Errorf("podman image inspect = %+v", inspect[0])
	}
	got, err := p.Run(ctx, "run", "--rm", "--network=none", ref, "in-podman")
	if err != nil || strings.TrimSpace(got) != "probe linux/amd64 in-podman" {
		t.Errorf("podman run: %q, %v", got, err)
	}
}

// harnessLog returns the tail of a component's log for a failure message.
func harnessLog(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}
