package publish

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/mingo-build/mingo/internal/atomicfile"
	"github.com/mingo-build/mingo/internal/ctxio"
)

// sink receives the files of an OCI image layout, by slash-separated name.
type sink interface {
	file(name string, size int64, r io.Reader) error
}

const ociLayoutFile = `{"imageLayoutVersion":"1.0.0"}`

// Annotations an OCI layout index.json uses to name its entries. docker save
// and containerd's importer read the first; skopeo and umoci the second.
const (
	annotationImageName = "io.containerd.image.name"
	annotationRefName   = "org.opencontainers.image.ref.name"
)

// writeLayout writes the items as an OCI image layout into s: oci-layout,
// every blob, and an index.json with one entry per tag.
func writeLayout(s sink, items []item) error {
	blobs, descs, err := collect(items)
	if err != nil {
		return err
	}
	if err := s.file("oci-layout", int64(len(ociLayoutFile)), strings.NewReader(ociLayoutFile)); err != nil {
		return err
	}
	for _, b := range blobs {
		if err := copyBlob(s, b); err != nil {
			return err
		}
	}
	index := v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex}
	refName := refNamer(items)
	for i, it := range items {
		for _, t := range it.tags {
			d := descs[i]
			d.Annotations = map[string]string{annotationImageName: t.Name(), annotationRefName: refName(t)}
			index.Manifests = append(index.Manifests, d)
		}
	}
	raw, err := json.Marshal(index)
	if err != nil {
		return err
	}
	return s.file("index.json", int64(len(raw)), bytes.NewReader(raw))
}

// refNamer returns how the index names each tag in its
// org.opencontainers.image.ref.name: the bare tag ("v1") when the layout
// holds one image, as skopeo and umoci default to; with several images,
// which would all be "latest", the binary's name and the tag ("api:v1"),
// or the full name ("registry.example.com/team/api:v1") if two images
// share a binary name.
func refNamer(items []item) func(name.Tag) string {
	if len(items) < 2 {
		return name.Tag.TagStr
	}
	short := func(t name.Tag) string {
		repo := t.RepositoryStr()
		return repo[strings.LastIndex(repo, "/")+1:] + ":" + t.TagStr()
	}
	seen := map[string]string{}
	for _, it := range items {
		for _, t := range it.tags {
			if full, dup := seen[short(t)]; dup && full != t.Name() {
				return func(t name.Tag) string { return t.Name() }
			}
			seen[short(t)] = t.Name()
		}
	}
	return short
}

func copyBlob(s sink, b blob) error {
	rc, err := b.open()
	if err != nil {
		return err
	}
	defer rc.Close()
	return s.file("blobs/sha256/"+b.digest.Hex, b.size, rc)
}

// Layout writes every image into one OCI image layout in Dir, entries
// named after the images' names. The layout is assembled in a sibling
// directory and renamed into place, so Dir is either the complete new
// layout or untouched. An existing Dir is replaced only if it is empty or
// itself an OCI layout.
type Layout struct {
	Dir string
}

// Publish writes the layout; it has no references to return.
func (l *Layout) Publish(ctx context.Context, images []*Image) ([]name.Reference, error) {
	return writeLocal(ctx, images, l.Dir, writeLayoutDir)
}

// Close does nothing: Publish wrote the layout.
func (l *Layout) Close() error { return nil }

func writeLayoutDir(ctx context.Context, dir string, items []item) error {
	if err := replaceable(dir); err != nil {
		return fmt.Errorf("writing OCI layout %s: %w", dir, err)
	}
	parent := filepath.Dir(filepath.Clean(dir))
	atomicfile.RemoveStale(parent, "."+filepath.Base(dir)+".tmp-*")
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(dir)+".tmp-")
	if err != nil {
		return fmt.Errorf("writing OCI layout: %w", err)
	}
	defer os.RemoveAll(tmp)
	if err := os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	if err := writeLayout(ctxSink{ctx, dirSink(tmp)}, items); err != nil {
		return fmt.Errorf("writing OCI layout %s: %w", dir, err)
	}
	old := tmp + ".old"
	if err := os.Rename(dir, old); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("replacing %s: %w", dir, err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		os.Rename(old, dir) // put the previous layout back
		return fmt.Errorf("writing OCI layout %s: %w", dir, err)
	}
	return os.RemoveAll(old)
}

// ErrNotLayout is an existing, non-empty directory that is not an OCI
// layout: replacing it could delete a source tree.
var ErrNotLayout = errors.New("exists and is not an OCI layout")

// ErrNotDir is a directory output whose path is a file.
var ErrNotDir = errors.New("is a file, not a directory")

// CheckLayoutDir reports, before anything is built, whether an OCI layout
// can be written at dir: it is new, empty, or a layout already (which is
// replaced). The error wraps ErrNotDir or ErrNotLayout.
func CheckLayoutDir(dir string) error {
	if err := replaceable(dir); err != nil {
		return fmt.Errorf("OCI layout %s: %w", dir, err)
	}
	return nil
}

// replaceable refuses to overwrite a directory that holds something other
// than an OCI layout, so a typo in --oci-layout cannot delete a source tree.
func replaceable(dir string) error {
	fi, err := os.Stat(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return ErrNotDir
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	if len(entries) == 0 {
		return nil
	}
	if _, err := os.Stat(filepath.Join(dir, "oci-layout")); err != nil {
		return ErrNotLayout
	}
	return nil
}

// ctxSink stops a layout's writing once its context is done.
type ctxSink struct {
	ctx context.Context
	s   sink
}

func (c ctxSink) file(name string, size int64, r io.Reader) error {
	return c.s.file(name, size, ctxio.Reader(c.ctx, r))
}

type dirSink string

func (d dirSink) file(name string, size int64, r io.Reader) error {
	p := filepath.Join(string(d), filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	n, err := io.Copy(f, r)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && n != size {
		err = fmt.Errorf("%s: wrote %d bytes, expected %d", name, n, size)
	}
	return err
}
