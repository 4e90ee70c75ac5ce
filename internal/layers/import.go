package layers

import (
	"archive/tar"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/mingo-build/mingo/internal/atomicfile"
)

// Format describes how layers written with o are made: the layer format
// version, the compression and its level, and the entries' mtime. Two
// builds whose entries and Format agree give the same layer bytes, so a
// layer made elsewhere can stand in for one made here.
func (o Options) Format() string {
	level := gzipLevel
	if o.Compression.or() == Zstd {
		level = int(zstdLevel)
	}
	return fmt.Sprintf("%s %s-%d mtime=%d", formatVersion, o.Compression.or(), level, o.modTime().Unix())
}

// ErrDigestMismatch is wrapped by Import's error for content whose digest
// or diff ID is not the one announced.
var ErrDigestMismatch = errors.New("content does not match its digest")

// validImportKey reports whether key may name an imported or built
// layer: 1 to 128 lowercase letters, digits and dashes, not starting with
// a dash. A loop, not the regular expression it stands for, whose {0,127}
// cost every mingo process 3.5 ms and 1,500 allocations at start.
func validImportKey(key string) bool {
	if len(key) == 0 || len(key) > 128 || key[0] == '-' {
		return false
	}
	for _, c := range []byte(key) {
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// Lookup returns the layer compressed with comp that Import recorded under
// key, or nil.
func (c *Cache) Lookup(key string, comp Compression) *Layer {
	if !validImportKey(key) {
		return nil
	}
	return c.lookupUsed("import-"+key, comp)
}

// Import copies a layer compressed with comp made elsewhere (another machine's build,
// taken from a registry) into the cache and records it under key, checking
// as it reads that the blob has the digest and the tar the diff ID the
// source announced. Content that does not match is not kept: the error
// wraps ErrDigestMismatch, also when the source's own check failed the read
// after all size bytes arrived (a stream cut short is another error).
func (c *Cache) Import(key string, comp Compression, compressed io.Reader, size int64, digest, diffID v1.Hash) (*Layer, error) {
	if !validImportKey(key) {
		return nil, fmt.Errorf("importing a layer: invalid key %q", key)
	}
	tmp, err := os.CreateTemp(filepath.Join(c.dir, "blobs"), "tmp-*")
	if err != nil {
		return nil, fmt.Errorf("importing a layer into the cache: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op once renamed
	r, err := copyChecked(tmp, compressed, comp)
	if cerr := tmp.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil && r.Size == size && r.Digest != digest.String() {
		return nil, fmt.Errorf("importing layer %s: %w (got %s)", digest, ErrDigestMismatch, r.Digest)
	}
	if err != nil {
		return nil, fmt.Errorf("importing layer %s: %w", digest, err)
	}
	if r.Digest != digest.String() || r.DiffID != diffID.String() {
		return nil, fmt.Errorf("importing layer %s: %w (got %s, diff ID %s)", digest, ErrDigestMismatch, r.Digest, r.DiffID)
	}
	return c.store("import-"+key, r, tmp.Name(), comp)
}

// copyChecked copies a compressed stream to w and returns its digest, size
// and the digest of what it decompresses to; on a read error, the digest
// and size of what was read.
func copyChecked(w io.Writer, compressed io.Reader, comp Compression) (record, error) {
	blobHash := sha256.New()
	counter := &countWriter{w: io.MultiWriter(w, blobHash)}
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	tarHash := sha256.New()
	go func() {
		err := decompress(tarHash, pr, comp)
		// Drain, so the writer side never blocks on a reader that gave up.
		_, _ = io.Copy(io.Discard, pr)
		done <- err
	}()
	_, err := io.Copy(io.MultiWriter(counter, pw), compressed)
	pw.CloseWithError(err)
	zerr := <-done
	if err != nil {
		// What was read, for the caller to tell damage from a short read.
		return record{Digest: sum(blobHash.Sum(nil)), Size: counter.n}, err
	}
	if zerr != nil {
		return record{}, fmt.Errorf("%w: not a %s stream: %v", ErrDigestMismatch, comp.or(), zerr)
	}
	return record{Digest: sum(blobHash.Sum(nil)), DiffID: sum(tarHash.Sum(nil)), Size: counter.n}, nil
}

func decompress(w io.Writer, r io.Reader, comp Compression) error {
	if comp.or() == Zstd {
		zr, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1))
		if err != nil {
			return err
		}
		defer zr.Close()
		_, err = io.Copy(w, zr)
		return err
	}
	zr, err := gzip.NewReader(r)
	if err != nil {
		return err
	}
	_, err = io.Copy(w, zr)
	return err
}

// ExtractFile writes the regular file at imagePath in layer l to dst (a
// temporary file renamed into place) with mode perm.
func ExtractFile(l v1.Layer, imagePath, dst string, perm os.FileMode) error {
	rc, err := l.Uncompressed()
	if err != nil {
		return err
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	want := strings.TrimPrefix(imagePath, "/")
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return fmt.Errorf("layer has no file %s", imagePath)
		}
		if err != nil {
			return fmt.Errorf("reading the layer: %w", err)
		}
		if h.Name != want || h.Typeflag != tar.TypeReg {
			continue
		}
		return atomicfile.Write(dst, perm, func(w io.Writer) error {
			_, err := io.Copy(w, tr)
			return err
		})
	}
}
