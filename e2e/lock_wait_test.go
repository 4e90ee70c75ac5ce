package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A build that waits for another mingo's lock on its build directory says
// so on standard error after about a second, naming the directory, and
// goes on once the lock is released.
func TestBuildWaitingForLockSays(t *testing.T) {
	requireEnv(t)
	cache := t.TempDir()
	args := []string{"build", "./cmd/alpha", "--push=false", "--platform", "linux/amd64"}
	if r := mingo(t, []string{"MINGO_CACHE=" + cache}, args...); r.err != nil {
		t.Fatalf("first build: %v\n%s", r.err, r.stderr)
	}
	locks, _ := filepath.Glob(filepath.Join(cache, "bin", "*", ".lock"))
	if len(locks) != 1 {
		t.Fatalf("build directories' locks: %v, want one", locks)
	}
	// This test is the other mingo: it holds the lock.
	held, err := os.OpenFile(locks[0], os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	if err := syscall.Flock(int(held.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	errFile := filepath.Join(t.TempDir(), "stderr")
	stderr, err := os.Create(errFile)
	if err != nil {
		t.Fatal(err)
	}
	defer stderr.Close()
	cmd := exec.Command(env.mingo, args...)
	cmd.Dir = env.probeDir
	cmd.Env = append(os.Environ(), "MINGO_CACHE="+cache)
	cmd.Stderr = stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var said string
	for time.Since(start) < 20*time.Second && said == "" {
		time.Sleep(50 * time.Millisecond)
		b, _ := os.ReadFile(errFile)
		for _, line := range strings.Split(string(b), "\n") {
			if strings.Contains(line, "waiting for another mingo") {
				said = line
			}
		}
	}
	t.Logf("said after %v: %s", time.Since(start).Round(10*time.Millisecond), said)
	held.Close() // the other mingo is done
	if err := cmd.Wait(); err != nil {
		b, _ := os.ReadFile(errFile)
		t.Fatalf("the waiting build: %v\n%s", err, b)
	}
	if !strings.Contains(said, filepath.Dir(locks[0])) {
		t.Errorf("the waiting build said %q, want a line naming %s", said, filepath.Dir(locks[0]))
	}
}
