package interrupt

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A stopped process takes no signal: one sent to it stays pending until
// SIGCONT, which is how pending is seen here from outside.
func TestPending(t *testing.T) {
	cmd := exec.Command("sleep", "60")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	status := filepath.Join("/proc", strconv.Itoa(cmd.Process.Pid), "status")
	if got, err := pending(status, syscall.SIGINT, syscall.SIGTERM); err != nil || got {
		t.Fatalf("pending before any signal = %v, %v; want false, nil", got, err)
	}
	if err := cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	waitState(t, status, "T")
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if got, err := pending(status, syscall.SIGINT); err != nil || got {
		t.Errorf("SIGINT pending with only SIGTERM sent = %v, %v; want false, nil", got, err)
	}
	if got, err := pending(status, syscall.SIGINT, syscall.SIGTERM); err != nil || !got {
		t.Errorf("SIGTERM pending while stopped = %v, %v; want true, nil", got, err)
	}
	if _, err := pending(filepath.Join(t.TempDir(), "status"), syscall.SIGINT); err == nil {
		t.Error("pending of a missing status file: no error")
	}
	bad := filepath.Join(t.TempDir(), "status")
	if err := os.WriteFile(bad, []byte("Name:\tx\nShdPnd:\tzz\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := pending(bad, syscall.SIGINT); err == nil {
		t.Error("pending of a malformed ShdPnd: no error")
	}
}

func waitState(t *testing.T, status, state string) {
	t.Helper()
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(time.Millisecond) {
		if b, _ := os.ReadFile(status); strings.Contains(string(b), "\nState:\t"+state) {
			return
		}
	}
	t.Fatalf("%s never reached state %s", status, state)
}
