//go:build !linux

package interrupt

import (
	"errors"
	"syscall"
)

// pending cannot tell where /proc has no status files: settle then waits
// the whole exitGrace.
func pending(string, ...syscall.Signal) (bool, error) {
	return false, errors.New("pending signals are not known on this system")
}
