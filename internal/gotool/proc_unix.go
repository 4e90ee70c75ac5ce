//go:build unix

package gotool

import (
	"os/exec"
	"syscall"
	"time"
)

// stopGroup makes cancelling cmd's context kill `go build` and the
// compilers and linker it started, not only the go command: they would
// otherwise run on, holding the output pipe open so that Wait, and the
// whole interrupted build, waits for them.
func stopGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = time.Second
}
