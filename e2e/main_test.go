// Package e2e runs the mingo binary against real components started on
// loopback: a Distribution registry with TLS and basic auth, a Docker
// daemon, skopeo, umoci, and runc with qemu-user-static for arm64.
package e2e

import (
	"bytes"
	"context"
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
	return mingoAt(t, env.probeDir, extraEnv, args...)
}

// mingoAt is mingo in dir instead of the probe module.
func mingoAt(t *testing.T, dir string, extraEnv []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, env.mingo, args...)
	cmd.Dir = dir
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

// mingoIn runs mingo like mingo() does, in dir instead of the probe module.
func mingoIn(t *testing.T, dir string, args ...string) string {
	t.Helper()
	r := mingoAt(t, dir, nil, args...)
	if r.err != nil {
		t.Fatalf("mingo %s in %s: %v\n%s", strings.Join(args, " "), dir, r.err, r.stderr)
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

// skopeoMaybe runs skopeo and returns its output and error, for checks
// where failing is the expected outcome.
func skopeoMaybe(t *testing.T, args ...string) ([]byte, error) {
	t.Helper()
	return exec.Command("/usr/bin/skopeo", args...).CombinedOutput()
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
