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
// is known without reading it again.
const SourcesDir = "sources"

// TZDataLayer is Build of TZDataEntries(zipPath). At rest it neither
// unpacks nor hashes the zip's five hundred zones (a fifth of mingo's own
// CPU time in a build where nothing changed): the key they gave is
// recorded under the zip's stamp.
func TZDataLayer(c *Cache, zipPath string, opts Options) (*Layer, error) {
	src := c.sourcePath("tzdata", zipPath, opts)
	if src != "" {
		if key, err := os.ReadFile(src); err == nil && validKey(string(key)) {
			if l := c.lookupUsed(string(key), opts.Compression); l != nil {
				return l, nil
			}
		}
	}
	entries, err := TZDataEntries(zipPath)
	if err != nil {
		return nil, err
	}
	norm, err := normalize(entries)
	if err != nil {
		return nil, err
	}
	l, key, err := c.build(norm, opts)
	if err != nil {
		return nil, err
	}
	if src != "" && os.MkdirAll(filepath.Dir(src), 0o755) == nil {
		_ = atomicfile.WriteFile(src, []byte(key), 0o644) // without it, the next build reads the zip
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
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%d\x00%d\x00%s\x00%s\x00%d %d %d %d", kind, formatVersion, gzipLevel, opts.modTime().Unix(),
		opts.Compression.keyParams(), abs, st.Ino, st.Size, st.MTime, st.CTime)
	return filepath.Join(c.dir, SourcesDir, fmt.Sprintf("%x", h.Sum(nil)))
}

// validKey reports whether s is a cache key as cacheKey writes it: 64
// lowercase hex digits, safe to join to a path.
func validKey(s string) bool {
	return len(s) == 64 && strings.Trim(s, "0123456789abcdef") == ""
}
