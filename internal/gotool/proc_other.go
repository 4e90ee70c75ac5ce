//go:build !unix

package gotool

import (
	"os/exec"
	"time"
)

// stopGroup bounds how long an interrupted `go build` keeps Wait waiting.
func stopGroup(cmd *exec.Cmd) { cmd.WaitDelay = time.Second }
