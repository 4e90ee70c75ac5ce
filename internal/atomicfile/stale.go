package atomicfile

import (
	"os"
	"path/filepath"
	"time"
)

// StaleAge is how old a temporary file must be before a later run removes
// it: older than any run still writing it, so a concurrent run's own
// temporary files are safe.
const StaleAge = time.Hour

// RemoveStale removes the files and directories in dir matching pattern
// (a filepath.Match pattern) last modified more than StaleAge ago: what a
// killed run (SIGKILL, a crash, a power cut) left behind, which nothing
// else would ever delete. Errors are ignored; this is housekeeping.
func RemoveStale(dir, pattern string) {
	matches, _ := filepath.Glob(filepath.Join(dir, pattern))
	cutoff := time.Now().Add(-StaleAge)
	for _, m := range matches {
		if fi, err := os.Lstat(m); err == nil && fi.ModTime().Before(cutoff) {
			os.RemoveAll(m)
		}
	}
}
