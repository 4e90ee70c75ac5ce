package publish

import (
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/mingo-build/mingo/platform"
)

// Image is one built image or index, ready to publish: where it came
// from, its names, each platform's image and SBOM.
type Image struct {
	// ImportPath is the main package's import path, Binary its binary's
	// name, Module the path of its module.
	ImportPath, Binary, Module string
	// Variant is "" for the image of the program, "debug" for its debug
	// variant (the same layers plus a toolbox, tagged TAG-debug).
	Variant string
	// Tags are the registry tags the image is pushed to (none when it is
	// not pushed); Names are what local outputs (a tarball, a layout, an
	// engine) call it: the tags, or mingo.local/<binary>:latest.
	Tags, Names []name.Tag
	// Images holds one image per platform, in the order asked for.
	Images []PlatformImage
	// Index holds every image; it is nil when one platform was built, in
	// which case that image is the artifact to publish.
	Index v1.ImageIndex
	// GoVersion is the Go toolchain that compiled the binary.
	GoVersion string
	// Created is the image time: Epoch, or the Unix epoch when unset.
	Created time.Time
	// Epoch is SOURCE_DATE_EPOCH as the image was built with it; the zero
	// time when it was unset.
	Epoch time.Time
	// SBOM is the index's software bill of materials, when one was made;
	// each platform's is in Images.
	SBOM []byte
}

// PlatformImage is one platform's image.
type PlatformImage struct {
	Platform   platform.Platform
	Image      v1.Image
	BinarySize int64
	// Size is the image's compressed size: manifest, config and layers.
	Size int64
	// Layers describes the image's layers, base layers first.
	Layers []LayerInfo
	// SBOM is the binary's software bill of materials, when one was made.
	SBOM []byte
}

// LayerInfo names a layer and gives its compressed size.
type LayerInfo struct {
	// Name is "base" for a registry base's layers, otherwise what mingo
	// put in it: identity, tzdata, ca-certs, files, binary.
	Name string
	Size int64
}

// Artifact is an image or an index: both have a digest and a manifest.
type Artifact interface {
	Digest() (v1.Hash, error)
	RawManifest() ([]byte, error)
}

// Artifact returns what to publish: the index, or the single image.
func (r *Image) Artifact() Artifact {
	if r.Index != nil {
		return r.Index
	}
	return r.Images[0].Image
}

// Size is the compressed size of everything in the artifact: the index
// manifest, and every platform's manifest, config and layers, each blob
// counted once however many platforms share it.
func (r *Image) Size() (int64, error) {
	var total int64
	if r.Index != nil {
		raw, err := r.Index.RawManifest()
		if err != nil {
			return 0, err
		}
		total = int64(len(raw))
	}
	seen := map[v1.Hash]bool{}
	for _, pi := range r.Images {
		blobs, err := imageBlobs(pi.Image)
		if err != nil {
			return 0, err
		}
		for h, size := range blobs {
			if !seen[h] {
				seen[h] = true
				total += size
			}
		}
	}
	return total, nil
}

// imageBlobs maps each blob of img (manifest, config, layers) to its size.
func imageBlobs(img v1.Image) (map[v1.Hash]int64, error) {
	m, err := img.Manifest()
	if err != nil {
		return nil, err
	}
	raw, err := img.RawManifest()
	if err != nil {
		return nil, err
	}
	d, err := img.Digest()
	if err != nil {
		return nil, err
	}
	blobs := map[v1.Hash]int64{d: int64(len(raw)), m.Config.Digest: m.Config.Size}
	for _, l := range m.Layers {
		blobs[l.Digest] = l.Size
	}
	return blobs, nil
}
