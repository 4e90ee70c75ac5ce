package layers

import (
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mingo-build/mingo/internal/atomicfile"
	"github.com/mingo-build/mingo/internal/stamp"
)

// SourcesDir holds, within the cache, the cache key of a layer made from
// one file (Go's zoneinfo.zip) under a name derived from the file's path
// and stamp: while the stamp holds, the file is the one read, so the key
// is known without reading it again. It also holds the keys of generated
// layers that follow from a version (the Mozilla roots).
const SourcesDir = "sources"

// TZDataLayer is Build of TZDataEntries(zipPath). At rest it neither
// unpacks nor hashes the zip's five hundred zones (a fifth of mingo's own
// CPU time in a build where nothing changed): the key they gave is
// recorded under the zip's stamp.
func TZDataLayer(c *Cache, zipPath string, opts Options) (*Layer, error) {
	return c.buildRecorded(c.sourcePath("tzdata", zipPath, opts), func() ([]Entry, error) { return TZDataEntries(zipPath) }, opts)
}

// MozillaRootsLayer is Build of CACertEntries(MozillaRoots()). At rest it
// does not encode the bundle (a hundred and fifty certificates to PEM, a
// sixth of mingo's own CPU time in a build where nothing changed): the
// bundle's bytes follow from the roots module's version, under which the
// key is recorded. A module that cannot be told (replaced by a directory)
// records nothing.
func MozillaRootsLayer(c *Cache, opts Options) (*Layer, error) {
	rec := ""
	if m := mozillaRootsModule(); m != "" {
		rec = c.recordPath("ca-certs "+m+" "+rootsFormat, opts)
	}
	return c.buildRecorded(rec, func() ([]Entry, error) { return CACertEntries(MozillaRoots()), nil }, opts)
}

// rootsFormat changes whenever encodeRoots makes other bytes of the same
// roots, so that no recorded key outlives it.
const rootsFormat = "pem 1"

// buildRecorded is Build of the entries made by entries, whose cache key
// is recorded at rec ("" for nowhere): while rec names a layer the cache
// holds, entries is not called.
func (c *Cache) buildRecorded(rec string, entries func() ([]Entry, error), opts Options) (*Layer, error) {
	if rec != "" {
		if key, err := os.ReadFile(rec); err == nil && validKey(string(key)) {
			if l := c.lookupUsed(string(key), opts.Compression); l != nil {
				return l, nil
			}
		}
	}
	es, err := entries()
	if err != nil {
		return nil, err
	}
	norm, err := normalize(es)
	if err != nil {
		return nil, err
	}
	l, key, err := c.build(norm, opts)
	if err != nil {
		return nil, err
	}
	if rec != "" && os.MkdirAll(filepath.Dir(rec), 0o755) == nil {
		_ = atomicfile.WriteFile(rec, []byte(key), 0o644) // without it, the next build makes the entries
	}
	return l, nil
}

// sourcePath is where the key of the layer of kind made from file with
// opts is recorded, "" when file has no stamp to trust: none on this
// system, or one too recent to be settled (see stamp.Settled).
func (c *Cache) sourcePath(kind, file string, opts Options) string {
	abs, err := filepath.Abs(file)
	if err != nil {
		return ""
	}
	st, ok := stamp.Path(abs)
	if !ok || !st.Settled(time.Now()) {
		return ""
	}
	return c.recordPath(fmt.Sprintf("%s\x00%s\x00%d %d %d %d", kind, abs, st.Ino, st.Size, st.MTime, st.CTime), opts)
}

// recordPath is where the key of the layer that name stands for, made
// with opts, is recorded.
func (c *Cache) recordPath(name string, opts Options) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%d\x00%d\x00%s\x00%s", formatVersion, gzipLevel, opts.modTime().Unix(), opts.Compression.keyParams(), name)
	return filepath.Join(c.dir, SourcesDir, fmt.Sprintf("%x", h.Sum(nil)))
}

// validKey reports whether s is a cache key as cacheKey writes it: 64
// lowercase hex digits, safe to join to a path.
func validKey(s string) bool {
	return len(s) == 64 && strings.Trim(s, "0123456789abcdef") == ""
}
