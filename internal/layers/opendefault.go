package layers

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// OpenDefault opens the cache in dir, or in DefaultCacheDir when dir is
// empty. With trim it first removes, at most once a day, what no build
// used for $MINGO_CACHE_MAX_AGE (default five days), as a build does; a
// command that reports on the cache opens it without.
func OpenDefault(dir string, trim bool) (*Cache, error) {
	maxAge, err := DefaultCacheMaxAge()
	if err != nil {
		return nil, fmt.Errorf("MINGO_CACHE_MAX_AGE: %w", err)
	}
	c, err := OpenCache(dir)
	if err != nil {
		return nil, err
	}
	dir = c.Dir()
	// A build writes to the cache (layers, binaries, its lease): a
	// read-only one fails now, in one line, not after compiling.
	lock, err := os.OpenFile(filepath.Join(dir, lockName), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("layer cache %s is not writable (set MINGO_CACHE to a writable directory): %w", dir, errors.Unwrap(err))
	}
	lock.Close()
	if trim && maxAge > 0 {
		// A failed trim costs disk space, not the build.
		_, _ = c.TrimIfDue(time.Now(), maxAge)
	}
	return c, nil
}
