package publish

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"time"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/mingo-build/mingo/internal/atomicfile"
	"github.com/mingo-build/mingo/internal/ctxio"
)

// Tarball writes every image into one archive at Path that both kinds of
// loader take:
//   - an OCI image layout (oci-layout, index.json, blobs/) holding every
//     platform, for OCI-aware loaders (skopeo oci-archive:, podman, Docker
//     with the containerd image store);
//   - a docker-load manifest.json naming, for each image, the one platform
//     a classic `docker load` takes (the host's, see LoadImage) with its
//     names.
//
// The archive is written to a temporary file next to Path and renamed into
// place, so a failure leaves no partial file. Its bytes are deterministic.
type Tarball struct {
	Path string
	// Record, if set, remembers which archive Path holds: a build at rest,
	// whose archive would be the same bytes, then only touches the file
	// (as `go build` touches an up-to-date binary) without reading it.
	Record FileRecord
}

// FileRecord remembers what a file output holds (see stamp.Records).
type FileRecord interface {
	// Touch sets the times of the file at path to now if it is, as it is
	// now, the one recorded with key, and reports whether it did.
	Touch(path, key string) bool
	// Record notes that the file at path now holds key.
	Record(path, key string)
}

// Publish writes the archive; it has no references to return.
func (t *Tarball) Publish(ctx context.Context, images []*Image) ([]name.Reference, error) {
	return writeLocal(ctx, images, t.Path, t.publish)
}

// publish writes items to path, unless Record says path holds them.
func (t *Tarball) publish(ctx context.Context, path string, items []item) error {
	key, err := archiveKey(items)
	if t.Record == nil || err != nil {
		return writeTarballFile(ctx, path, items)
	}
	if t.Record.Touch(path, key) {
		return nil
	}
	if err := writeTarballFile(ctx, path, items); err != nil {
		return err
	}
	t.Record.Record(path, key)
	return nil
}

// archiveKey names the archive writeArchive makes of items: its bytes
// follow from each item's artifact, tags and docker-load image, and from
// how this code lays them out (archiveFormat).
func archiveKey(items []item) (string, error) {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n", archiveFormat)
	for _, it := range items {
		a, err := it.artifact.Digest()
		if err != nil {
			return "", err
		}
		l, err := it.load.Digest()
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s %s", a, l)
		for _, t := range it.tags {
			fmt.Fprintf(h, " %s", t)
		}
		fmt.Fprintln(h)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// archiveFormat changes whenever writeArchive writes other bytes for the
// same items, so that no record takes an archive of the old layout for
// the new one (TestArchiveFormat pins it).
const archiveFormat = "mingo tarball 1"

// writeLocal writes the images to a file or directory output, which has
// no references to return.
func writeLocal(ctx context.Context, images []*Image, path string, write func(context.Context, string, []item) error) ([]name.Reference, error) {
	if err := write(ctx, path, items(images)); err != nil {
		return nil, err
	}
	return make([]name.Reference, len(images)), nil
}

func writeTarballFile(ctx context.Context, path string, items []item) error {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return fmt.Errorf("writing tarball %s: %w", path, ErrIsDir)
	}
	// Update: at rest the archive is the one already there, which is then
	// read, not written again.
	err := atomicfile.Update(path, 0o644, func(w io.Writer) error { return writeArchive(ctxio.Writer(ctx, w), items) })
	if err != nil {
		return fmt.Errorf("writing tarball %s: %w", path, err)
	}
	return nil
}

// Close does nothing: Publish wrote the file.
func (t *Tarball) Close() error { return nil }

// ErrIsDir is a file output whose path is a directory.
var ErrIsDir = errors.New("is a directory")

func writeArchive(w io.Writer, items []item) error {
	tw := &tarSink{w: tar.NewWriter(w)}
	if err := writeLayout(tw, items); err != nil {
		return err
	}
	return tw.closeWithManifest(items)
}

// writeDockerArchive writes only what a classic `docker load` reads: the
// blobs of each item's artifact and manifest.json, no OCI index, so every
// loader (podman prefers an OCI index when there is one) takes the same
// image.
func writeDockerArchive(w io.Writer, items []item) error {
	tw := &tarSink{w: tar.NewWriter(w)}
	blobs, _, err := collect(items)
	if err != nil {
		return err
	}
	for _, b := range blobs {
		if err := copyBlob(tw, b); err != nil {
			return err
		}
	}
	return tw.closeWithManifest(items)
}

// closeWithManifest ends the archive with the docker-load manifest.json of
// items.
func (tw *tarSink) closeWithManifest(items []item) error {
	manifest, err := dockerManifest(items)
	if err != nil {
		return err
	}
	if err := tw.file("manifest.json", int64(len(manifest)), bytes.NewReader(manifest)); err != nil {
		return err
	}
	return tw.w.Close()
}

// dockerEntry is one image of the manifest.json `docker load` reads.
type dockerEntry struct {
	Config   string
	RepoTags []string
	Layers   []string
}

// dockerManifest names, for each item, the config and layers of its Load
// image by their paths in the layout's blobs/, and its tags.
func dockerManifest(items []item) ([]byte, error) {
	entries := make([]dockerEntry, 0, len(items))
	for _, it := range items {
		cfg, err := it.load.ConfigName()
		if err != nil {
			return nil, err
		}
		ls, err := it.load.Layers()
		if err != nil {
			return nil, err
		}
		e := dockerEntry{Config: "blobs/sha256/" + cfg.Hex, RepoTags: []string{}}
		for _, t := range it.tags {
			e.RepoTags = append(e.RepoTags, t.String())
		}
		for _, l := range ls {
			d, err := l.Digest()
			if err != nil {
				return nil, err
			}
			e.Layers = append(e.Layers, "blobs/sha256/"+d.Hex)
		}
		entries = append(entries, e)
	}
	return json.Marshal(entries)
}

// tarSink writes layout files as archive entries with fixed owners, modes
// and times, and the blobs/sha256/ directories before their files.
type tarSink struct {
	w    *tar.Writer
	dirs map[string]bool
}

func (t *tarSink) file(name string, size int64, r io.Reader) error {
	if err := t.parents(name); err != nil {
		return err
	}
	if err := t.w.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: size, ModTime: time.Unix(0, 0), Typeflag: tar.TypeReg}); err != nil {
		return err
	}
	n, err := io.Copy(t.w, r)
	if err == nil && n != size {
		err = fmt.Errorf("%s: wrote %d bytes, expected %d", name, n, size)
	}
	return err
}

func (t *tarSink) parents(name string) error {
	if t.dirs == nil {
		t.dirs = map[string]bool{}
	}
	var dirs []string
	for d := path.Dir(name); d != "."; d = path.Dir(d) {
		dirs = append([]string{d}, dirs...)
	}
	for _, d := range dirs {
		if t.dirs[d] {
			continue
		}
		t.dirs[d] = true
		if err := t.w.WriteHeader(&tar.Header{Name: d + "/", Mode: 0o755, ModTime: time.Unix(0, 0), Typeflag: tar.TypeDir}); err != nil {
			return err
		}
	}
	return nil
}
