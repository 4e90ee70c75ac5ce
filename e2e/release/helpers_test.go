package release

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// Helpers shared by the tests of each artifact: the environment (what cannot
// run here skips loudly, or fails in CI), YAML, go run, and reading mingo's
// tarballs (docker-load manifest.json plus an OCI layout).

func unavailable(t *testing.T, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") == "true" {
		t.Fatalf("cannot run in CI: %s", msg)
	}
	t.Skipf("\n*** SKIPPING %s: %s ***\n*** CI=true makes this a failure. ***", t.Name(), msg)
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

var aptMu sync.Mutex

// ensureDebianFile installs the Debian package pkg when path is missing, as
// root with apt-get; otherwise the test is unavailable. It takes the same
// lock file as e2e/internal/harness, so that test binaries running at once
// do not fight over dpkg.
func ensureDebianFile(t *testing.T, pkg, path string) {
	t.Helper()
	if exists(path) {
		return
	}
	if runtime.GOOS != "linux" || os.Geteuid() != 0 || !exists("/usr/bin/apt-get") {
		unavailable(t, "%s is missing (Debian package %s), and installing it needs root and apt-get on Linux", path, pkg)
	}
	aptMu.Lock()
	defer aptMu.Unlock()
	lock, err := os.OpenFile(filepath.Join(os.TempDir(), "mingo-harness-apt.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN) //nolint:errcheck
	if exists(path) {
		return
	}
	apt := func(args ...string) error {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "/usr/bin/apt-get", append([]string{"-o", "DPkg::Lock::Timeout=300"}, args...)...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		out, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("apt-get %s: %v\n%s", strings.Join(args, " "), err, tail(out, 30))
		}
		return nil
	}
	t.Logf("installing Debian package %s (missing %s)", pkg, path)
	if err := apt("install", "-y", "--no-install-recommends", pkg); err != nil {
		if err := apt("update"); err != nil {
			t.Fatal(err)
		}
		if err := apt("install", "-y", "--no-install-recommends", pkg); err != nil {
			t.Fatal(err)
		}
	}
	if !exists(path) {
		t.Fatalf("%s still missing after installing %s", path, pkg)
	}
}

func tail(b []byte, n int) string {
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// loadYAML decodes the YAML file at path into v; strict rejects keys that v
// has no field for.
func loadYAML(t *testing.T, path string, v any, strict bool) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(strict)
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v (a key this test does not know: teach it, or drop the key)", path, err)
	}
}

// goRun runs go run PKG ARGS in dir and returns stdout, stderr and the exit
// status (-1 when it did not run).
func goRun(ctx context.Context, t *testing.T, dir string, env []string, pkg string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.CommandContext(ctx, "go", append([]string{"run", pkg}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return o.String(), e.String(), 0
	case errors.As(err, &exit):
		return o.String(), e.String(), exit.ExitCode()
	default:
		t.Fatalf("go run %s: %v\n%s", pkg, err, e.String())
		return "", "", -1
	}
}

// run runs a program and returns its standard output.
func run(t *testing.T, dir, stdin, bin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", bin, strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}

func readTar(t *testing.T, path string) map[string][]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	files := map[string][]byte{}
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return files
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if h.Typeflag == tar.TypeReg {
			b, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			files[h.Name] = b
		}
	}
}

func mustJSON(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%v in %.300s", err, b)
	}
}
