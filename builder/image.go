package builder

import (
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/mingo-build/mingo/platform"
)

// BinDir is where the binary goes in the image; it is on PATH.
const BinDir = "/usr/local/bin"

// defaultPath is the PATH distroless and most base images set.
const defaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// imageSpec is everything that goes into one platform's image.
type imageSpec struct {
	platform   platform.Platform
	binary     v1.Layer
	entrypoint string
	created    time.Time
	createdBy  string
}

// newImage assembles a scratch image: the binary layer and a config that
// runs it. OCI media types throughout.
func newImage(s imageSpec) (v1.Image, error) {
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	img, err := mutate.Append(img, mutate.Addendum{
		Layer:   s.binary,
		History: v1.History{Created: v1.Time{Time: s.created}, CreatedBy: s.createdBy},
	})
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	p := s.platform.OCI()
	cf.OS, cf.Architecture, cf.Variant = p.OS, p.Architecture, p.Variant
	cf.Created = v1.Time{Time: s.created}
	cf.Config.Entrypoint = []string{s.entrypoint}
	cf.Config.Env = []string{defaultPath}
	return mutate.ConfigFile(img, cf)
}

// newIndex puts the platform images in one OCI index, in the order given,
// each descriptor carrying its platform.
func newIndex(images []PlatformImage) v1.ImageIndex {
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	adds := make([]mutate.IndexAddendum, len(images))
	for i, pi := range images {
		p := pi.Platform.OCI()
		adds[i] = mutate.IndexAddendum{Add: notArtifact{pi.Image}, Descriptor: v1.Descriptor{Platform: &p}}
	}
	return mutate.AppendManifests(idx, adds...)
}

// notArtifact stops go-containerregistry from writing the config media type
// as the descriptor's artifactType: OCI reserves that field for artifacts,
// and these are plain images.
type notArtifact struct{ v1.Image }

func (notArtifact) ArtifactType() (string, error) { return "", nil }
