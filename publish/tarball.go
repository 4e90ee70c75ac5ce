package publish

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// WriteTarball writes a to path as one archive that both kinds of loader
// take:
//   - an OCI image layout (oci-layout, index.json, blobs/) holding every
//     platform, for OCI-aware loaders (skopeo oci-archive:, podman, Docker
//     with the containerd image store);
//   - a docker-load manifest.json naming loadImage (one platform: a classic
//     `docker load` takes one image per tag) with every tag.
//
// The archive is written to a temporary file next to path and renamed into
// place, so a failure leaves no partial file. Its bytes are deterministic.
func WriteTarball(path string, a Artifact, loadImage v1.Image, tags []name.Tag) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("writing tarball: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op once renamed
	err = writeArchive(tmp, a, loadImage, tags)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("writing tarball %s: %w", path, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func writeArchive(w io.Writer, a Artifact, loadImage v1.Image, tags []name.Tag) error {
	tw := &tarSink{w: tar.NewWriter(w)}
	if _, _, err := writeLayout(tw, a, tags); err != nil {
		return err
	}
	manifest, err := dockerManifest(loadImage, tags)
	if err != nil {
		return err
	}
	if err := tw.file("manifest.json", int64(len(manifest)), bytes.NewReader(manifest)); err != nil {
		return err
	}
	return tw.w.Close()
}

// dockerManifest is the manifest.json `docker load` reads: the config and
// layers of img, by their paths in the layout's blobs/, and the tags.
func dockerManifest(img v1.Image, tags []name.Tag) ([]byte, error) {
	cfg, err := img.ConfigName()
	if err != nil {
		return nil, err
	}
	ls, err := img.Layers()
	if err != nil {
		return nil, err
	}
	entry := struct {
		Config   string
		RepoTags []string
		Layers   []string
	}{Config: "blobs/sha256/" + cfg.Hex, RepoTags: []string{}}
	for _, t := range tags {
		entry.RepoTags = append(entry.RepoTags, t.String())
	}
	for _, l := range ls {
		d, err := l.Digest()
		if err != nil {
			return nil, err
		}
		entry.Layers = append(entry.Layers, "blobs/sha256/"+d.Hex)
	}
	return json.Marshal([]any{entry})
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
