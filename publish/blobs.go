package publish

import (
	"bytes"
	"io"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// blob is one content-addressed file of an image layout.
type blob struct {
	digest v1.Hash
	size   int64
	open   func() (io.ReadCloser, error)
}

// collect lists every blob of the items' artifacts (layers, configs,
// manifests, indexes), each once even when images share layers, in a fixed
// order: children before parents, layers in manifest order. It also returns
// each artifact's descriptor.
func collect(items []item) ([]blob, []v1.Descriptor, error) {
	c := &collector{seen: map[v1.Hash]bool{}}
	descs := make([]v1.Descriptor, len(items))
	for i, it := range items {
		d, err := c.artifact(it.artifact)
		if err != nil {
			return nil, nil, err
		}
		descs[i] = d
	}
	return c.blobs, descs, nil
}

type collector struct {
	blobs []blob
	seen  map[v1.Hash]bool
}

func (c *collector) add(d v1.Hash, size int64, open func() (io.ReadCloser, error)) {
	if c.seen[d] {
		return
	}
	c.seen[d] = true
	c.blobs = append(c.blobs, blob{digest: d, size: size, open: open})
}

func (c *collector) artifact(a Artifact) (v1.Descriptor, error) {
	idx, img, err := artifactKind(a)
	if err != nil {
		return v1.Descriptor{}, err
	}
	if img != nil {
		return c.image(img)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return v1.Descriptor{}, err
	}
	for _, d := range im.Manifests {
		child, err := idx.Image(d.Digest)
		if err != nil {
			return v1.Descriptor{}, err
		}
		if _, err := c.image(child); err != nil {
			return v1.Descriptor{}, err
		}
	}
	return c.manifest(idx, types.OCIImageIndex)
}

func (c *collector) image(img v1.Image) (v1.Descriptor, error) {
	ls, err := img.Layers()
	if err != nil {
		return v1.Descriptor{}, err
	}
	for _, l := range ls {
		d, err := l.Digest()
		if err != nil {
			return v1.Descriptor{}, err
		}
		size, err := l.Size()
		if err != nil {
			return v1.Descriptor{}, err
		}
		c.add(d, size, l.Compressed)
	}
	cfg, err := img.RawConfigFile()
	if err != nil {
		return v1.Descriptor{}, err
	}
	cfgName, err := img.ConfigName()
	if err != nil {
		return v1.Descriptor{}, err
	}
	c.add(cfgName, int64(len(cfg)), bytesOpener(cfg))
	mt, err := img.MediaType()
	if err != nil {
		return v1.Descriptor{}, err
	}
	return c.manifest(img, mt)
}

func (c *collector) manifest(a Artifact, mt types.MediaType) (v1.Descriptor, error) {
	raw, err := a.RawManifest()
	if err != nil {
		return v1.Descriptor{}, err
	}
	d, err := a.Digest()
	if err != nil {
		return v1.Descriptor{}, err
	}
	c.add(d, int64(len(raw)), bytesOpener(raw))
	return v1.Descriptor{MediaType: mt, Digest: d, Size: int64(len(raw))}, nil
}

func bytesOpener(b []byte) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
}
