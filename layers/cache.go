package layers

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"github.com/mingo-build/mingo/internal/atomicfile"
	"hash"
	"io"
	"os"
	"path/filepath"
)

// Cache stores compressed layer blobs on disk, keyed by what went into them,
// so an unchanged binary is not compressed again. Blobs live under
// blobs/sha256/HEX and keys under keys/KEY (a small JSON record). Every file
// is written to a temporary name and renamed, so concurrent mingo runs and
// interrupted ones never leave a truncated blob behind.
type Cache struct {
	dir string
}

// DefaultCacheDir is $MINGO_CACHE, or "mingo" in the user's cache directory.
func DefaultCacheDir() (string, error) {
	if d := os.Getenv("MINGO_CACHE"); d != "" {
		return d, nil
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache directory: set MINGO_CACHE: %w", err)
	}
	return filepath.Join(d, "mingo"), nil
}

// OpenCache returns the cache rooted at dir, creating it if needed.
func OpenCache(dir string) (*Cache, error) {
	for _, sub := range []string{"blobs/sha256", "keys"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return nil, fmt.Errorf("creating layer cache (set MINGO_CACHE to a writable directory): %w", err)
		}
	}
	return &Cache{dir: dir}, nil
}

// Dir returns the cache's root directory.
func (c *Cache) Dir() string { return c.dir }

type record struct {
	Digest string `json:"digest"`
	DiffID string `json:"diffID"`
	Size   int64  `json:"size"`
}

func (c *Cache) blobPath(hex string) string { return filepath.Join(c.dir, "blobs", "sha256", hex) }

// lookup returns the layer recorded under key, or nil when there is none or
// its blob has gone missing.
func (c *Cache) lookup(key string, comp Compression) *Layer {
	b, err := os.ReadFile(filepath.Join(c.dir, "keys", key))
	if err != nil {
		return nil
	}
	var r record
	if json.Unmarshal(b, &r) != nil {
		return nil
	}
	l, err := newLayer(r, c, comp)
	if err != nil {
		return nil
	}
	if fi, err := os.Stat(l.path); err != nil || fi.Size() != r.Size {
		return nil
	}
	return l
}

// write builds the layer from normalized entries into the cache and records
// it under key.
func (c *Cache) write(key string, entries []Entry, opts Options) (*Layer, error) {
	tmp, err := os.CreateTemp(filepath.Join(c.dir, "blobs"), "tmp-*")
	if err != nil {
		return nil, fmt.Errorf("writing layer to cache: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op once renamed

	r, err := compress(tmp, entries, opts)
	if cerr := tmp.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	l, err := newLayer(r, c, opts.Compression)
	if err != nil {
		return nil, err
	}
	if err := os.Rename(tmp.Name(), l.path); err != nil {
		return nil, fmt.Errorf("writing layer to cache: %w", err)
	}
	meta, _ := json.Marshal(r)
	if err := atomicfile.WriteFile(filepath.Join(c.dir, "keys", key), meta, 0o644); err != nil {
		return nil, err
	}
	return l, nil
}

// compress writes entries as a compressed tar to w and returns the blob's digest,
// the tar's digest (the diff ID) and the compressed size.
func compress(w io.Writer, entries []Entry, opts Options) (record, error) {
	blobHash := sha256.New()
	counter := &countWriter{w: io.MultiWriter(w, blobHash)}
	zw, err := opts.Compression.newWriter(counter)
	if err != nil {
		return record{}, err
	}
	tarHash := sha256.New()
	if err := writeTar(io.MultiWriter(zw, tarHash), entries, opts.modTime()); err != nil {
		return record{}, err
	}
	if err := zw.Close(); err != nil {
		return record{}, err
	}
	return record{Digest: sum(blobHash), DiffID: sum(tarHash), Size: counter.n}, nil
}

func sum(h hash.Hash) string { return fmt.Sprintf("sha256:%x", h.Sum(nil)) }

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
