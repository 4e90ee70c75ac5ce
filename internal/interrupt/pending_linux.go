package interrupt

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"syscall"
)

// pending reports whether one of sigs is pending for the process whose
// /proc status file is at path: sent to the process (kill, a terminal's
// Ctrl-C) but not yet taken by any of its threads (ShdPnd). A thread takes
// a signal when it next returns to user mode and runs the handler at once,
// so a signal that is neither pending nor handled a moment later is not in
// flight.
func pending(path string, sigs ...syscall.Signal) (bool, error) {
	status, err := os.ReadFile(path)
	if err != nil {
		return false, err
	}
	for sc := bufio.NewScanner(bytes.NewReader(status)); sc.Scan(); {
		hex, ok := bytes.CutPrefix(sc.Bytes(), []byte("ShdPnd:"))
		if !ok {
			continue
		}
		mask, err := strconv.ParseUint(string(bytes.TrimSpace(hex)), 16, 64)
		if err != nil {
			return false, fmt.Errorf("%s: ShdPnd: %w", path, err)
		}
		for _, s := range sigs {
			if mask&(1<<(uint(s)-1)) != 0 {
				return true, nil
			}
		}
		return false, nil
	}
	return false, fmt.Errorf("%s: no ShdPnd line", path)
}
