// Package layers builds deterministic, gzip- or zstd-compressed OCI layers.
//
// A layer is described by its entries (path, mode, owner, content). The same
// entries and options always give the same bytes: entries are sorted, parent
// directories are added with fixed modes, owners are numeric, every mtime is
// the same fixed time, and gzip and zstd come from a compressor pinned in
// go.mod (github.com/klauspost/compress), not from whichever Go release built
// mingo.
package layers

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// Entry is one file, directory or symlink in a layer.
type Entry struct {
	// Path is the absolute path inside the image, for example
	// "/usr/local/bin/api".
	Path string
	// Mode holds the permission bits and the type (fs.ModeDir,
	// fs.ModeSymlink; none for a regular file).
	Mode fs.FileMode
	// UID and GID are the numeric owners; names are never recorded.
	UID, GID int
	// Linkname is the target of a symlink.
	Linkname string
	// Size and Open give a regular file's content.
	Size int64
	Open func() (io.ReadCloser, error)
	// PAXRecords are extra PAX records of the entry's header, such as
	// CapabilityPAX.
	PAXRecords map[string]string
	// Digest, when set, is the hex sha256 of a regular file's content,
	// already known to the caller: the cache key uses it instead of
	// reading the file again.
	Digest string
}

// Options control how a layer is written. The zero value is valid.
type Options struct {
	// ModTime is the mtime of every entry; the zero value means the Unix
	// epoch. Callers pass SOURCE_DATE_EPOCH here when it is set.
	ModTime time.Time
	// Compression is gzip (the zero value) or zstd.
	Compression Compression
	// HashAside hashes the layer's content, tar and blob on goroutines of
	// their own (see digester): faster when a processor would otherwise
	// idle, more work when none does. It changes no byte.
	HashAside bool
}

// gzipLevel is fixed: changing it changes every layer digest mingo makes
// (it is part of every cache key and of Format, so no cache serves a layer
// of another level). Measured on crane's stripped 11.9 MB binary, one
// core, median of 9: level 2 gives 5.39 MB in 67 ms, level 3 5.22 MB in
// 85 ms, level 6 (mingo's level before 2026-12) 4.95 MB in 142 ms; ko's
// gzip (compress/gzip at BestSpeed) 5.40 MB in about 125 ms. Compressing
// the new binary is the one step mingo adds to an edit-and-rebuild loop
// after the link, and once the binaries are linked a cold build of a
// monorepo is bound by it (sixty binaries: seconds of CPU), so level 2:
// layers as small as ko's, compressed twice as fast as level 6, for 9%
// more bytes to push than level 6.
const gzipLevel = 2

// formatVersion is mixed into cache keys; bump it whenever the bytes a given
// set of entries produces would change (tar layout, gzip settings).
const formatVersion = "mingo-layer-v1"

func (o Options) modTime() time.Time {
	if o.ModTime.IsZero() {
		return time.Unix(0, 0).UTC()
	}
	return o.ModTime.UTC().Truncate(time.Second)
}

// normalize validates entries, adds missing parent directories (0755, owned
// by root) and sorts by path, so that the archive never depends on the order
// the caller listed things in.
func normalize(entries []Entry) ([]Entry, error) {
	byPath := map[string]Entry{}
	for _, e := range entries {
		clean := e.Path
		if !strings.HasPrefix(clean, "/") || path.Clean(clean) != clean || clean == "/" {
			return nil, fmt.Errorf("layer entry path %q is not a clean absolute path", e.Path)
		}
		if _, dup := byPath[clean]; dup {
			return nil, fmt.Errorf("layer entry %s is listed twice", clean)
		}
		if e.Mode.IsRegular() && e.Open == nil {
			return nil, fmt.Errorf("layer entry %s is a file with no content", clean)
		}
		byPath[clean] = e
	}
	for p := range byPath {
		for dir := path.Dir(p); dir != "/"; dir = path.Dir(dir) {
			if _, ok := byPath[dir]; !ok {
				byPath[dir] = Entry{Path: dir, Mode: fs.ModeDir | 0o755}
			} else if !byPath[dir].Mode.IsDir() {
				return nil, fmt.Errorf("layer entry %s is inside %s, which is not a directory", p, dir)
			}
		}
	}
	out := make([]Entry, 0, len(byPath))
	for _, e := range byPath {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// header returns the tar header of a normalized entry.
func (e Entry) header(mtime time.Time) (*tar.Header, error) {
	h := &tar.Header{
		Name:    strings.TrimPrefix(e.Path, "/"),
		Mode:    int64(e.Mode.Perm()),
		Uid:     e.UID,
		Gid:     e.GID,
		ModTime: mtime,
	}
	if e.Mode&fs.ModeSticky != 0 {
		h.Mode |= 0o1000
	}
	if e.Mode&fs.ModeSetuid != 0 {
		h.Mode |= 0o4000
	}
	if e.Mode&fs.ModeSetgid != 0 {
		h.Mode |= 0o2000
	}
	switch {
	case e.Mode.IsDir():
		h.Typeflag = tar.TypeDir
		h.Name += "/"
	case e.Mode&fs.ModeSymlink != 0:
		h.Typeflag = tar.TypeSymlink
		h.Linkname = e.Linkname
	case e.Mode.IsRegular():
		h.Typeflag = tar.TypeReg
		h.Size = e.Size
	default:
		return nil, fmt.Errorf("layer entry %s has unsupported type %s", e.Path, e.Mode.Type())
	}
	if len(e.PAXRecords) > 0 {
		h.PAXRecords, h.Format = e.PAXRecords, tar.FormatPAX
	}
	return h, nil
}

// writeTar writes the normalized entries as a tar stream.
func writeTar(w io.Writer, entries []Entry, mtime time.Time) error {
	tw := tar.NewWriter(w)
	for _, e := range entries {
		h, err := e.header(mtime)
		if err != nil {
			return err
		}
		if err := tw.WriteHeader(h); err != nil {
			return fmt.Errorf("writing %s: %w", e.Path, err)
		}
		if h.Typeflag == tar.TypeReg {
			if err := copyContent(tw, e); err != nil {
				return err
			}
		}
	}
	return tw.Close()
}

func copyContent(w io.Writer, e Entry) error {
	rc, err := e.Open()
	if err != nil {
		return fmt.Errorf("reading %s: %w", e.Path, err)
	}
	defer rc.Close()
	buf := copyBufs.Get().(*[]byte)
	defer copyBufs.Put(buf)
	n, err := io.CopyBuffer(w, rc, *buf)
	if err != nil {
		return fmt.Errorf("reading %s: %w", e.Path, err)
	}
	if n != e.Size {
		return fmt.Errorf("reading %s: size changed while building the layer (%d, expected %d bytes)", e.Path, n, e.Size)
	}
	return nil
}

// copyBufs are copyContent's buffers. io.Copy would allocate (and clear)
// 32 KiB per entry: for the five hundred small files of the tzdata layer,
// whose cache key hashes each of them on every build, that was most of
// the key's cost.
var copyBufs = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// contentSum returns the sha256 of a regular file entry's content.
func contentSum(e Entry) ([]byte, error) {
	if e.Digest != "" {
		sum, err := hex.DecodeString(e.Digest)
		if err != nil || len(sum) != sha256.Size {
			return nil, fmt.Errorf("entry %s: digest %q is not a hex sha256", e.Path, e.Digest)
		}
		return sum, nil
	}
	c := sha256.New()
	if err := copyContent(c, e); err != nil {
		return nil, err
	}
	return c.Sum(nil), nil
}

// cacheKey identifies the bytes a layer will have: two calls with the same
// key produce identical layers, so a cached blob can stand in for a rebuild.
// Content is hashed, not trusted by name or mtime.
func cacheKey(entries []Entry, mtime time.Time, c Compression) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%d\x00%d\x00%s", formatVersion, gzipLevel, mtime.Unix(), c.keyParams())
	for _, e := range entries {
		fmt.Fprintf(h, "%s\x00%o\x00%d\x00%d\x00%s\x00%d\x00", e.Path, uint32(e.Mode), e.UID, e.GID, e.Linkname, e.Size)
		for _, k := range slices.Sorted(maps.Keys(e.PAXRecords)) {
			fmt.Fprintf(h, "pax\x00%q\x00%q\x00", k, e.PAXRecords[k])
		}
		if e.Mode.IsRegular() {
			sum, err := contentSum(e)
			if err != nil {
				return "", err
			}
			h.Write(sum)
		}
	}
	return fmt.Sprintf("%x", h.Sum(nil)), nil
}
