// Package e2e runs the mingo binary against real components started on
// loopback: a Distribution registry with TLS and basic auth, a Docker
// daemon, skopeo, umoci, and runc with qemu-user-static for arm64.
package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/mingo-build/mingo/e2e/internal/harness"
)

// env holds the components TestMain started.
var env struct {
	skip     string // why the tests cannot run here, outside CI
	work     string
	mingo    string // the mingo binary under test
	reg      *harness.Registry
	docker   *harness.Docker
	probeDir string
}

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	if reason := harness.Unavailable(); reason != "" {
		if os.Getenv("CI") == "true" {
			fmt.Fprintf(os.Stderr, "FAIL: end-to-end tests cannot run in CI: %s\n", reason)
			return 1
		}
		env.skip = reason
		fmt.Fprintf(os.Stderr, "\n*** SKIPPING END-TO-END TESTS: %s ***\n*** They need root and apt-get on Linux; CI=true makes this a failure. ***\n\n", reason)
		return m.Run()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	cleanup, err := setUp(ctx)
	defer cleanup()
	if err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: setting up end-to-end components: %v\n", err)
		return 1
	}
	return m.Run()
}

func setUp(ctx context.Context) (func(), error) {
	var closers []func()
	cleanup := func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}
	work, err := os.MkdirTemp("", "mingo-e2e-")
	if err != nil {
		return cleanup, err
	}
	closers = append(closers, func() { os.RemoveAll(work) })
	env.work = work
	logf := func(f string, a ...any) { fmt.Fprintf(os.Stderr, "e2e: "+f+"\n", a...) }
	if err := harness.EnsurePackages(ctx, logf); err != nil {
		return cleanup, err
	}
	env.mingo = filepath.Join(work, "mingo")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", env.mingo, "../cmd/mingo").CombinedOutput(); err != nil {
		return cleanup, fmt.Errorf("building mingo: %v\n%s", err, out)
	}
	if env.probeDir, err = filepath.Abs("testdata/probe"); err != nil {
		return cleanup, err
	}
	if env.reg, err = harness.StartRegistry(ctx, work, harness.RegistryOptions{TLS: true, Auth: true}); err != nil {
		return cleanup, err
	}
	closers = append(closers, func() { env.reg.Close() })
	logf("registry on %s (TLS, basic auth)", env.reg.Host)
	if env.docker, err = harness.StartDocker(ctx, work, env.reg); err != nil {
		return cleanup, err
	}
	closers = append(closers, func() { env.docker.Close() })
	if err := harness.EnableQEMU(); err != nil {
		return cleanup, err
	}
	return cleanup, nil
}

func requireEnv(t *testing.T) {
	t.Helper()
	if env.skip != "" {
		t.Skipf("SKIPPED (not in CI): %s", env.skip)
	}
}

// result is one mingo run.
type result struct {
	stdout, stderr string
	err            error
}

// mingo runs the binary in the probe module with the registry's CA trusted
// and its credentials in DOCKER_CONFIG, plus extra KEY=VALUE settings.
func mingo(t *testing.T, extraEnv []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, env.mingo, args...)
	cmd.Dir = env.probeDir
	cmd.Env = append(os.Environ(),
		"SSL_CERT_FILE="+env.reg.CAFile,
		"DOCKER_CONFIG="+env.reg.DockerConfigDir,
		"MINGO_CACHE="+filepath.Join(env.work, "cache"),
	)
	cmd.Env = append(cmd.Env, extraEnv...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return result{stdout.String(), stderr.String(), err}
}

func mustMingo(t *testing.T, args ...string) string {
	t.Helper()
	r := mingo(t, nil, args...)
	if r.err != nil {
		t.Fatalf("mingo %s: %v\n%s", strings.Join(args, " "), r.err, r.stderr)
	}
	return r.stdout
}

func skopeo(t *testing.T, args ...string) []byte {
	t.Helper()
	cmd := exec.Command("/usr/bin/skopeo", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("skopeo %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return out
}

// registryCertDir holds the CA in the layout skopeo's --cert-dir reads.
func registryCertDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	ca, err := os.ReadFile(env.reg.CAFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ca.crt"), ca, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func inspectRaw(t *testing.T, ref string) []byte {
	t.Helper()
	return skopeo(t, "inspect", "--raw", "--cert-dir", registryCertDir(t),
		"--authfile", filepath.Join(env.reg.DockerConfigDir, "config.json"), "docker://"+ref)
}

func platforms(t *testing.T, raw []byte) []string {
	t.Helper()
	var idx v1.IndexManifest
	if err := json.Unmarshal(raw, &idx); err != nil {
		t.Fatal(err)
	}
	if idx.MediaType != "application/vnd.oci.image.index.v1+json" {
		t.Errorf("media type %q, want an OCI index", idx.MediaType)
	}
	var ps []string
	for _, d := range idx.Manifests {
		p := d.Platform.OS + "/" + d.Platform.Architecture
		if d.Platform.Variant != "" {
			p += "/" + d.Platform.Variant
		}
		ps = append(ps, p)
	}
	return ps
}

var digestLine = regexp.MustCompile(`^sha256:[0-9a-f]{64}\n$`)

// Push a two-platform index under two tags, check it with skopeo, pull and
// run it with Docker (amd64) and with runc under qemu (arm64).
func TestPushPullRun(t *testing.T) {
	requireEnv(t)
	repo := env.reg.Host + "/e2e/probe"
	out := mustMingo(t, "build", ".", "-t", repo+":v1", "-t", repo+":latest", "--platform", "linux/amd64,linux/arm64")
	if !regexp.MustCompile(`^` + regexp.QuoteMeta(repo) + `@sha256:[0-9a-f]{64}\n$`).MatchString(out) {
		t.Fatalf("stdout = %q, want one REPOSITORY@sha256:HEX line", out)
	}
	digest := strings.TrimPrefix(strings.TrimSpace(out), repo+"@")

	for _, tag := range []string{"v1", "latest"} {
		raw := inspectRaw(t, repo+":"+tag)
		if got := fmt.Sprintf("sha256:%x", sha256.Sum256(raw)); got != digest {
			t.Errorf("%s:%s is %s, mingo printed %s", repo, tag, got, digest)
		}
		if ps := strings.Join(platforms(t, raw), ","); ps != "linux/amd64,linux/arm64" {
			t.Errorf("index platforms = %s", ps)
		}
	}

	ctx := context.Background()
	if _, err := env.docker.Run(ctx, env.reg.DockerConfigDir, "pull", repo+":v1"); err != nil {
		t.Fatal(err)
	}
	got, err := env.docker.Run(ctx, env.reg.DockerConfigDir, "run", "--rm", "--network", "none", repo+":v1", "hello")
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(got) != "probe linux/amd64 hello" {
		t.Errorf("docker run printed %q", got)
	}
	got, err = harness.RunImage(ctx, t.TempDir(), env.reg, "docker://"+repo+"@"+digest, "linux/arm64")
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(got) != "probe linux/arm64" {
		t.Errorf("runc (qemu) printed %q", got)
	}
}

// A three-platform tarball: docker load takes the host's platform under the
// tag, and the archive's OCI index carries all three.
func TestTarballDockerLoad(t *testing.T) {
	requireEnv(t)
	tarball := filepath.Join(t.TempDir(), "probe.tar")
	ref := "registry.example.com/team/probe:v1.2.0"
	out := mustMingo(t, "build", ".", "--platform", "linux/amd64,linux/arm64,linux/arm/v7", "--tarball", tarball, "--push=false", "-t", ref)
	if !digestLine.MatchString(out) {
		t.Fatalf("stdout = %q, want the index digest", out)
	}
	ctx := context.Background()
	loaded, err := env.docker.Run(ctx, "", "load", "-i", tarball)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(loaded, ref) {
		t.Errorf("docker load printed %q, want it to load %s", loaded, ref)
	}
	got, err := env.docker.Run(ctx, "", "run", "--rm", "--network", "none", ref)
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(got) != "probe linux/amd64" {
		t.Errorf("docker run printed %q", got)
	}
	raw := skopeo(t, "inspect", "--raw", "oci-archive:"+tarball)
	if ps := strings.Join(platforms(t, raw), ","); ps != "linux/amd64,linux/arm64,linux/arm/v7" {
		t.Errorf("tarball's OCI index platforms = %s", ps)
	}
	if got := fmt.Sprintf("sha256:%x\n", sha256.Sum256(raw)); got != out {
		t.Errorf("tarball index is %s, mingo printed %s", got, out)
	}
}

// An OCI layout that umoci unpacks and runc runs, for arm64 under qemu.
func TestOCILayoutRuns(t *testing.T) {
	requireEnv(t)
	dir := filepath.Join(t.TempDir(), "out")
	out := mustMingo(t, "build", ".", "--oci-layout", dir, "--push=false")
	if !digestLine.MatchString(out) {
		t.Fatalf("stdout = %q", out)
	}
	got, err := harness.RunImage(context.Background(), t.TempDir(), nil, "oci:"+dir+":latest", "linux/arm64", "from-layout")
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(got) != "probe linux/arm64 from-layout" {
		t.Errorf("runc printed %q", got)
	}
}

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

// --insecure-registry talks to a registry whose CA is not trusted.
func TestInsecureRegistry(t *testing.T) {
	requireEnv(t)
	repo := env.reg.Host + "/e2e/insecure"
	r := mingo(t, []string{"SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"}, "build", ".", "-t", repo+":v1", "--insecure-registry", "--platform", "linux/amd64")
	if r.err != nil {
		t.Fatalf("mingo --insecure-registry: %v\n%s", r.err, r.stderr)
	}
	if !strings.HasPrefix(r.stdout, repo+"@sha256:") {
		t.Errorf("stdout = %q", r.stdout)
	}
}

// mingo login writes a Docker config that mingo build (and skopeo) use.
func TestLogin(t *testing.T) {
	requireEnv(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"experimental":"enabled"}`), 0o600)
	login := func(password string) result {
		cmd := exec.Command(env.mingo, "login", env.reg.Host, "-u", env.reg.User, "--password-stdin")
		cmd.Env = append(os.Environ(), "DOCKER_CONFIG="+dir, "SSL_CERT_FILE="+env.reg.CAFile)
		cmd.Stdin = strings.NewReader(password + "\n")
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		return result{stdout.String(), stderr.String(), err}
	}
	if r := login("not-the-password"); r.err == nil || !strings.Contains(r.stderr, "rejected the credentials") {
		t.Fatalf("login with a wrong password: %v %q", r.err, r.stderr)
	}
	r := login(env.reg.Password)
	if r.err != nil {
		t.Fatalf("mingo login: %v\n%s", r.err, r.stderr)
	}
	if strings.Contains(r.stderr+r.stdout, env.reg.Password) {
		t.Error("mingo login printed the password")
	}
	cfg, _ := os.ReadFile(filepath.Join(dir, "config.json"))
	if !strings.Contains(string(cfg), `"experimental": "enabled"`) {
		t.Errorf("login dropped other settings: %s", cfg)
	}
	if fi, _ := os.Stat(filepath.Join(dir, "config.json")); fi.Mode().Perm() != 0o600 {
		t.Errorf("config mode %v, want 0600", fi.Mode().Perm())
	}
	if b := mingo(t, []string{"DOCKER_CONFIG=" + dir}, "build", ".", "-t", env.reg.Host+"/e2e/login:v1", "--platform", "linux/amd64"); b.err != nil {
		t.Errorf("push with the saved credentials: %v\n%s", b.err, b.stderr)
	}
}

// ./cmd/... with three main packages: three images, pushed concurrently,
// printed in a stable order, each under every tag.
func TestManyPackages(t *testing.T) {
	requireEnv(t)
	repo := env.reg.Host + "/e2e/many"
	out := mustMingo(t, "build", "./cmd/...", "--repo", repo, "-t", "v1", "-t", "latest")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 {
		t.Fatalf("stdout = %q, want three lines", out)
	}
	for i, n := range []string{"alpha", "beta", "gamma"} {
		r, digest, _ := strings.Cut(lines[i], "@")
		if r != repo+"/"+n {
			t.Errorf("line %d = %q, want %s@...", i, lines[i], repo+"/"+n)
		}
		for _, tag := range []string{"v1", "latest"} {
			if got := fmt.Sprintf("sha256:%x", sha256.Sum256(inspectRaw(t, r+":"+tag))); got != digest {
				t.Errorf("%s:%s = %s, printed %s", r, tag, got, digest)
			}
		}
	}
	got, err := env.docker.Run(context.Background(), env.reg.DockerConfigDir, "run", "--rm", "--network", "none", repo+"/beta:v1")
	if err != nil || strings.TrimSpace(got) != "beta" {
		t.Errorf("docker run beta: %q, %v", got, err)
	}
}
