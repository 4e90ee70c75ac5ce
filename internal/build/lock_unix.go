//go:build unix

package build

import (
	"errors"
	"os"
	"syscall"
	"time"
)

// lockFile takes an exclusive lock on f, released when f is closed. When
// another process holds it, waiting is called once the lock has not come
// for waitNotice, and the lock is awaited.
func lockFile(f *os.File, waiting func()) error {
	fd := int(f.Fd())
	err := syscall.Flock(fd, syscall.LOCK_EX|syscall.LOCK_NB)
	if !errors.Is(err, syscall.EWOULDBLOCK) {
		return err
	}
	t := time.AfterFunc(waitNotice, waiting)
	defer t.Stop()
	return syscall.Flock(fd, syscall.LOCK_EX)
}
