package layers

import (
	"bufio"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/mingo-build/mingo/internal/atomicfile"
	"hash"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Cache stores compressed layer blobs on disk, keyed by what went into them,
// so an unchanged binary is not compressed again. Blobs live under
// blobs/sha256/HEX and keys under keys/KEY (a small JSON record). Every file
// is written to a temporary name and renamed, so concurrent mingo runs and
// interrupted ones never leave a truncated blob behind.
type Cache struct {
	dir string
	// Warn receives a line for each damaged entry found, dropped and
	// rebuilt; nil discards them.
	Warn func(format string, args ...any)

	mu     sync.Mutex
	lease  *lease // see lease.go
	closed bool
	stamps map[string]blobStamp // verified this build (blobstamp.go)
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

// OpenCache returns the cache rooted at dir, creating it if needed; an
// empty dir is DefaultCacheDir. It is the one way mingo opens its cache,
// so that the build, the cache commands and the Go cache program agree on
// where it is; OpenDefault adds what a build needs.
func OpenCache(dir string) (*Cache, error) {
	if dir == "" {
		var err error
		if dir, err = DefaultCacheDir(); err != nil {
			return nil, err
		}
	}
	for _, sub := range []string{"blobs/sha256", "keys", leasesDir} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return nil, fmt.Errorf("creating layer cache (set MINGO_CACHE to a writable directory): %w", err)
		}
	}
	// What killed runs left: temporary blobs and key records.
	atomicfile.RemoveStale(filepath.Join(dir, "blobs"), "tmp-*")
	atomicfile.RemoveStale(filepath.Join(dir, "keys"), ".*.tmp-*")
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

// lookup returns the layer recorded under key, or nil when there is none.
// A damaged entry (unreadable record, blob missing, of another size or
// whose bytes do not hash to its digest) is reported, dropped and treated
// as absent, so the caller rebuilds it: a damaged blob must never reach an
// output, where every later push would fail with DIGEST_INVALID.
func (c *Cache) lookup(key string, comp Compression) *Layer {
	keyPath := filepath.Join(c.dir, "keys", key)
	b, err := os.ReadFile(keyPath)
	if err != nil {
		return nil
	}
	var r record
	if err := json.Unmarshal(b, &r); err != nil {
		c.drop(keyPath, "", fmt.Errorf("unreadable record %s: %w", keyPath, err))
		return nil
	}
	l, err := newLayer(r, c, comp)
	if err != nil {
		c.drop(keyPath, "", fmt.Errorf("unreadable record %s: %w", keyPath, err))
		return nil
	}
	if c.vouched(l) {
		return l
	}
	if err := verifyFile(l.path, l.digest, r.Size); err != nil {
		c.drop(keyPath, l.path, err)
		return nil
	}
	return l
}

// drop removes a damaged entry and says so. A blob whose file is simply
// missing is not worth a warning: trimming the cache does that.
func (c *Cache) drop(keyPath, blobPath string, why error) {
	os.Remove(keyPath)
	if blobPath != "" {
		os.Remove(blobPath)
	}
	if c.Warn != nil && !errors.Is(why, os.ErrNotExist) {
		c.Warn("layer cache: %v; dropped it, rebuilding", why)
	}
}

// verifyFile checks that the file at path has size bytes hashing to want.
func verifyFile(path string, want v1.Hash, size int64) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	n, err := io.Copy(io.Discard, &verifyReader{r: f, h: sha256.New(), want: want, size: size, name: path})
	if err != nil {
		return err
	}
	if n != size {
		return fmt.Errorf("%s has %d bytes, want %d: %w", path, n, size, ErrDamaged)
	}
	return nil
}

// ErrDamaged is a cached blob whose bytes do not match its digest or size.
var ErrDamaged = errors.New("damaged cache entry")

// verifyReader hashes what it reads and, at the end, fails instead of
// returning io.EOF when the bytes do not hash to want or are not size
// long: a reader of a damaged blob gets an error, never the bad bytes'
// end as a success.
type verifyReader struct {
	r    io.Reader
	h    hash.Hash
	n    int64
	want v1.Hash
	size int64
	name string
}

func (v *verifyReader) Read(p []byte) (int, error) {
	n, err := v.r.Read(p)
	v.h.Write(p[:n])
	v.n += int64(n)
	if v.n > v.size {
		return n, fmt.Errorf("%s is longer than %d bytes: %w", v.name, v.size, ErrDamaged)
	}
	if err == io.EOF {
		if v.n != v.size {
			return n, fmt.Errorf("%s has %d bytes, want %d: %w", v.name, v.n, v.size, ErrDamaged)
		}
		if got := sum(v.h.Sum(nil)); got != v.want.String() {
			return n, fmt.Errorf("%s has digest %s, want %s: %w", v.name, got, v.want, ErrDamaged)
		}
	}
	return n, err
}

// write builds the layer from normalized entries into the cache and records
// it under key.
func (c *Cache) write(key string, entries []Entry, opts Options) (*Layer, error) {
	tmp, r, err := c.writeTemp(entries, opts)
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp) // no-op once stored
	return c.store(key, r, tmp, opts.Compression)
}

// writeTemp writes the layer of normalized entries to a temporary file in
// the cache's blobs, which the caller stores or removes.
func (c *Cache) writeTemp(entries []Entry, opts Options) (string, record, error) {
	tmp, err := os.CreateTemp(filepath.Join(c.dir, "blobs"), "tmp-*")
	if err != nil {
		return "", record{}, fmt.Errorf("writing layer to cache: %w", err)
	}
	r, err := compress(tmp, entries, opts)
	if cerr := tmp.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp.Name())
		return "", record{}, err
	}
	return tmp.Name(), r, nil
}

// store moves the blob written to tmp into place and records it under key,
// claiming both for this run first (see lease.go).
func (c *Cache) store(key string, r record, tmp string, comp Compression) (*Layer, error) {
	l, err := newLayer(r, c, comp)
	if err != nil {
		return nil, err
	}
	defer c.shared()()
	if l.held, err = c.claim(filepath.Join("keys", key), c.rel(l.path)); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, l.path); err != nil {
		return nil, fmt.Errorf("writing layer to cache: %w", err)
	}
	meta, _ := json.Marshal(r)
	if err := atomicfile.WriteFile(filepath.Join(c.dir, "keys", key), meta, 0o644); err != nil {
		return nil, err
	}
	return l, nil
}

// rel returns path relative to the cache root.
func (c *Cache) rel(path string) string {
	return strings.TrimPrefix(path, c.dir+string(filepath.Separator))
}

// compress writes entries as a compressed tar to w and returns the blob's digest,
// the tar's digest (the diff ID) and the compressed size.
//
// The compressor's output is buffered: gzip emits a few hundred bytes at
// a time, and writing each to the file was a system call per write, half
// of a binary layer's CPU time.
func compress(w io.Writer, entries []Entry, opts Options) (record, error) {
	blobHash, tarHash := newDigester(opts.HashAside), newDigester(opts.HashAside)
	defer blobHash.Close()
	defer tarHash.Close()
	buf := bufio.NewWriterSize(io.MultiWriter(w, blobHash), 256<<10)
	counter := &countWriter{w: buf}
	zw, err := opts.Compression.newWriter(counter)
	if err != nil {
		return record{}, err
	}
	if err := writeTar(io.MultiWriter(zw, tarHash), entries, opts.modTime()); err != nil {
		return record{}, err
	}
	if err := zw.Close(); err != nil {
		return record{}, err
	}
	if err := buf.Flush(); err != nil {
		return record{}, err
	}
	return record{Digest: sum(blobHash.Sum()), DiffID: sum(tarHash.Sum()), Size: counter.n}, nil
}

func sum(digest []byte) string { return fmt.Sprintf("sha256:%x", digest) }

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
