package publish

import (
	"archive/tar"
	"bytes"
	"context"
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
}

// Publish writes the archive; it has no references to return.
func (t *Tarball) Publish(ctx context.Context, images []*Image) ([]name.Reference, error) {
	return writeLocal(ctx, images, t.Path, writeTarballFile)
}

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
