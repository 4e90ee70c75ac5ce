package build

import (
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Size is the compressed size of everything in the artifact: the index
// manifest, and every platform's manifest, config and layers, each blob
// counted once however many platforms share it.
func (r *Result) Size() (int64, error) {
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
