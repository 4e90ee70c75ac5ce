package mingo

import (
	"time"

	"github.com/mingo-build/mingo/internal/layers"
)

// Cache is mingo's local cache of layers, binaries and downloaded modules
// ($MINGO_CACHE, or "mingo" in the user's cache directory), as the mingo
// cache commands show, trim and empty it.
type Cache struct{ c *layers.Cache }

// CacheUsage is how many files a cache holds, or a trim removed, and
// their total size in bytes.
type CacheUsage struct {
	Files int
	Bytes int64
}

// ErrCacheBusy is a cache other mingo runs kept using for as long as a
// trim waited.
var ErrCacheBusy = layers.ErrBusy

// OpenCache opens the default cache as it is: without the daily trim a
// build does first, which would change what a report on it says.
func OpenCache() (*Cache, error) {
	c, err := layers.OpenCache("")
	if err != nil {
		return nil, err
	}
	return &Cache{c}, nil
}

// Dir is the cache's directory.
func (c *Cache) Dir() string { return c.c.Dir() }

// Usage measures what the cache holds.
func (c *Cache) Usage() (CacheUsage, error) { return usage(c.c.Usage()) }

// Trim removes what no build used for maxAge (0: everything no running
// build uses). Builds hold the cache for a moment while they look entries
// up, so it tries again for a few seconds before failing with
// ErrCacheBusy.
func (c *Cache) Trim(maxAge time.Duration) (CacheUsage, error) {
	return usage(c.c.TrimSoon(maxAge, layers.TrimPatience))
}

// Clean removes everything but what running builds use.
func (c *Cache) Clean() (CacheUsage, error) { return usage(c.c.Clean()) }

// ParseTrimAge reads the maximum age of a Trim: a duration such as 120h,
// a number of days such as 7d, or 0 (0s) for everything unused.
func ParseTrimAge(s string) (time.Duration, error) { return layers.ParseTrimAge(s) }

func usage(u layers.Usage, err error) (CacheUsage, error) {
	return CacheUsage{Files: u.Files, Bytes: u.Bytes}, err
}
