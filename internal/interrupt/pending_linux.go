//go:build linux

package interrupt

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// pending reports whether any of sigs is pending for the process or one
// of its threads (the SigPnd and ShdPnd masks of /proc/self/task/*/status):
// delivered, its handler not yet run. It says true when it cannot tell.
func pending(sigs ...os.Signal) bool {
	tasks, err := filepath.Glob("/proc/self/task/*/status")
	if err != nil || len(tasks) == 0 {
		return true
	}
	for _, t := range tasks {
		status, err := os.ReadFile(t)
		if err != nil {
			continue // a thread that has exited
		}
		if inMasks(status, sigs) {
			return true
		}
	}
	return false
}

// inMasks reports whether a /proc status file's pending masks hold any
// of sigs; an unreadable mask counts as holding them.
func inMasks(status []byte, sigs []os.Signal) bool {
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		name, value, ok := bytes.Cut(sc.Bytes(), []byte(":"))
		if !ok || (string(name) != "SigPnd" && string(name) != "ShdPnd") {
			continue
		}
		mask, err := strconv.ParseUint(string(bytes.TrimSpace(value)), 16, 64)
		if err != nil {
			return true
		}
		for _, s := range sigs {
			if n, ok := s.(syscall.Signal); ok && n >= 1 && n <= 64 && mask&(1<<(n-1)) != 0 {
				return true
			}
		}
	}
	return false
}
