package layers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/mingo-build/mingo/internal/ctxio"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Layer is a compressed layer stored as a file in the cache. It implements
// v1.Layer and can be read any number of times, so one build can go to a
// registry, a tarball and an OCI layout at once.
type Layer struct {
	digest, diffID v1.Hash
	size           int64
	path           string
	compression    Compression
	// held keeps the lease that protects the blob from trims alive as
	// long as the layer may be read.
	held *lease
}

var _ v1.Layer = (*Layer)(nil)

func newLayer(r record, c *Cache, comp Compression) (*Layer, error) {
	d, err := v1.NewHash(r.Digest)
	if err != nil {
		return nil, err
	}
	id, err := v1.NewHash(r.DiffID)
	if err != nil {
		return nil, err
	}
	return &Layer{digest: d, diffID: id, size: r.Size, path: c.blobPath(d.Hex), compression: comp.or()}, nil
}

// Build returns the layer holding entries, from the cache when the same
// entries were built before, otherwise by writing it into the cache.
func Build(c *Cache, entries []Entry, opts Options) (*Layer, error) {
	return BuildContext(context.Background(), c, entries, opts)
}

// BuildContext is Build that stops, with the context's cause, once ctx is
// done: hashing and compressing a large file take seconds.
func BuildContext(ctx context.Context, c *Cache, entries []Entry, opts Options) (*Layer, error) {
	norm, err := prepare(ctx, entries)
	if err != nil {
		return nil, err
	}
	l, _, err := c.build(norm, opts)
	return l, err
}

// build returns the layer of normalized entries, looked up or written,
// and its cache key.
func (c *Cache) build(norm []Entry, opts Options) (*Layer, string, error) {
	key, err := cacheKey(norm, opts.modTime(), opts.Compression)
	if err != nil {
		return nil, "", err
	}
	if l := c.lookupUsed(key, opts.Compression); l != nil {
		return l, key, nil
	}
	l, err := c.write(key, norm, opts)
	return l, key, err
}

// BuildFresh is BuildContext for entries new to the cache, such as a
// binary `go build` has just linked: rather than hash each regular file
// without a Digest for the cache key, then read it again to write the
// layer, it writes the layer at once, hashing those files as it reads
// them, and records the layer under the key their content gives. It
// returns the content digest (hex, as Entry.Digest) of each of them by
// path. Content the cache holds already is written again, to the same
// bytes.
func BuildFresh(ctx context.Context, c *Cache, entries []Entry, opts Options) (*Layer, map[string]string, error) {
	norm, err := prepare(ctx, entries)
	if err != nil {
		return nil, nil, err
	}
	// The digester of each file without a digest, made when the file is
	// opened: it is read once, as the layer is written.
	hashes := map[string]*digester{}
	defer func() {
		for _, d := range hashes {
			d.Close()
		}
	}()
	for i, e := range norm {
		if e.Mode.IsRegular() && e.Digest == "" {
			norm[i].Open = func() (io.ReadCloser, error) {
				rc, err := e.Open()
				if err != nil {
					return nil, err
				}
				if old := hashes[e.Path]; old != nil {
					old.Close()
				}
				d := newDigester(opts.HashAside)
				hashes[e.Path] = d
				return &readCloser{Reader: io.TeeReader(rc, d), close: rc.Close}, nil
			}
		}
	}
	tmp, r, err := c.writeTemp(norm, opts)
	if err != nil {
		return nil, nil, err
	}
	defer os.Remove(tmp) // no-op once stored
	sums := make(map[string]string, len(hashes))
	for i, e := range norm {
		if d, ok := hashes[e.Path]; ok {
			sums[e.Path] = hex.EncodeToString(d.Sum())
			norm[i].Digest = sums[e.Path]
		}
	}
	key, err := cacheKey(norm, opts.modTime(), opts.Compression)
	if err != nil {
		return nil, nil, err
	}
	l, err := c.store(key, r, tmp, opts.Compression)
	return l, sums, err
}

// prepare makes entries stop reading once ctx is done and normalizes them.
func prepare(ctx context.Context, entries []Entry) ([]Entry, error) {
	entries = slices.Clone(entries)
	for i, e := range entries {
		if e.Open != nil {
			entries[i].Open = func() (io.ReadCloser, error) {
				rc, err := e.Open()
				if err != nil {
					return nil, err
				}
				return &readCloser{Reader: ctxio.Reader(ctx, rc), close: rc.Close}, nil
			}
		}
	}
	return normalize(entries)
}

// Digest returns the sha256 of the compressed blob.
func (l *Layer) Digest() (v1.Hash, error) { return l.digest, nil }

// DiffID returns the sha256 of the uncompressed tar.
func (l *Layer) DiffID() (v1.Hash, error) { return l.diffID, nil }

// Size returns the compressed size in bytes.
func (l *Layer) Size() (int64, error) { return l.size, nil }

// MediaType is the OCI layer type of the layer's compression.
func (l *Layer) MediaType() (types.MediaType, error) { return l.compression.MediaType(), nil }

// Compression is how the blob is compressed.
func (l *Layer) Compression() Compression { return l.compression }

// Compressed opens the blob. Its reader checks the bytes against the
// digest as they are read and fails at the end if they do not match, so a
// blob damaged since it was looked up cannot reach an output silently.
func (l *Layer) Compressed() (io.ReadCloser, error) {
	f, err := os.Open(l.path)
	if err != nil {
		return nil, fmt.Errorf("layer %s missing from cache: %w", l.digest, err)
	}
	v := &verifyReader{r: f, h: sha256.New(), want: l.digest, size: l.size, name: l.path}
	return &readCloser{Reader: v, close: f.Close}, nil
}

// Uncompressed opens the blob and decompresses it.
func (l *Layer) Uncompressed() (io.ReadCloser, error) {
	f, err := os.Open(l.path)
	if err != nil {
		return nil, fmt.Errorf("layer %s missing from cache: %w", l.digest, err)
	}
	return l.compression.newReader(f)
}

type readCloser struct {
	io.Reader
	close func() error
}

func (r *readCloser) Close() error { return r.close() }
