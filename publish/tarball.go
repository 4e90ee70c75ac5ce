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
)

// WriteTarball writes the items to path as one archive that both kinds of loader
// take:
//   - an OCI image layout (oci-layout, index.json, blobs/) holding every
//     platform, for OCI-aware loaders (skopeo oci-archive:, podman, Docker
//     with the containerd image store);
//   - a docker-load manifest.json naming each item's Load image (one
//     platform: a classic `docker load` takes one image per tag) with its
//     tags.
//
// The archive is written to a temporary file next to path and renamed into
// place, so a failure leaves no partial file. Its bytes are deterministic.
func WriteTarball(path string, items []Item) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("writing tarball: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op once renamed
	err = writeArchive(tmp, items)
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

func writeArchive(w io.Writer, items []Item) error {
	tw := &tarSink{w: tar.NewWriter(w)}
	if err := writeLayout(tw, items); err != nil {
		return err
	}
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
func dockerManifest(items []Item) ([]byte, error) {
	entries := make([]dockerEntry, 0, len(items))
	for _, it := range items {
		cfg, err := it.Load.ConfigName()
		if err != nil {
			return nil, err
		}
		ls, err := it.Load.Layers()
		if err != nil {
			return nil, err
		}
		e := dockerEntry{Config: "blobs/sha256/" + cfg.Hex, RepoTags: []string{}}
		for _, t := range it.Tags {
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
