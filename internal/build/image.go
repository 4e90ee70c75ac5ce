package build

import (
	"maps"
	"slices"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/mingo-build/mingo/internal/layers"
	"github.com/mingo-build/mingo/internal/recipe"
	"github.com/mingo-build/mingo/platform"
	"github.com/mingo-build/mingo/sbom"
)

// BinDir is where the binary goes in the image; it is on PATH.
const BinDir = "/usr/local/bin"

// defaultPath is the PATH distroless and most base images set.
const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// ImageConfig is what the user sets in the image config, on top of the base.
type ImageConfig struct {
	// Env holds KEY=VALUE entries; a key the base sets is replaced.
	Env []string
	// Labels go in the config; Annotations on every manifest and the index.
	Labels, Annotations map[string]string
	// WorkDir, when set, replaces the base's.
	WorkDir string
	// Args are the default arguments after the entrypoint (the config's Cmd).
	Args []string
	// User is written to the config as is; "" keeps the base's.
	User string
	// Expose lists ports as PORT/PROTO (see ParsePort), added to the
	// base's.
	Expose []string
	// Volumes are absolute paths, added to the base's.
	Volumes []string
	// StopSignal, when set, replaces the base's (see ParseSignal).
	StopSignal string
}

// layerSpec is one layer we add, with the history entry describing it.
type layerSpec struct {
	layer     v1.Layer
	name      string // short, for size reports: identity, tzdata, ...
	createdBy string
	// component describes a layer mingo generated, for the SBOM.
	component *sbom.Component
}

// imageSpec is everything that goes into one platform's image.
type imageSpec struct {
	platform    platform.Platform
	base        v1.Image
	annotations map[string]string // base, standard and the user's
	layers      []layerSpec       // in order, the binary last
	entrypoint  []string
	created     time.Time
	env         []string // KEY=VALUE set by mingo (SSL_CERT_FILE), before the user's
	config      ImageConfig
	compression layers.Compression
	// recipe is the recipe label's value ("" for none).
	recipe string
}

// newImage appends our layers to the base and writes a config that runs
// the binary, keeping the base's settings (Env, User, WorkingDir, Labels)
// unless the user overrides them.
func newImage(s imageSpec) (v1.Image, error) {
	mt, err := layerMediaType(s.base, s.compression)
	if err != nil {
		return nil, err
	}
	adds := make([]mutate.Addendum, len(s.layers))
	for i, l := range s.layers {
		adds[i] = mutate.Addendum{
			Layer:     l.layer,
			MediaType: mt,
			History:   v1.History{Created: v1.Time{Time: s.created}, CreatedBy: l.createdBy, Comment: l.name},
		}
	}
	img, err := mutate.Append(s.base, adds...)
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
	cf.Config.Entrypoint = s.entrypoint
	cf.Config.Cmd = s.config.Args // the base's Cmd was for its own entrypoint
	cf.Config.Env = mergeEnv(cf.Config.Env, append(slices.Clone(s.env), s.config.Env...))
	if s.config.User != "" {
		cf.Config.User = s.config.User
	}
	if s.config.WorkDir != "" {
		cf.Config.WorkingDir = s.config.WorkDir
	}
	applyRuntime(&cf.Config, s.config)
	if len(s.config.Labels) > 0 || s.recipe != "" {
		if cf.Config.Labels == nil {
			cf.Config.Labels = map[string]string{}
		}
		maps.Copy(cf.Config.Labels, s.config.Labels)
		if s.recipe != "" {
			cf.Config.Labels[recipe.Annotation] = s.recipe
		}
	}
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		return nil, err
	}
	if len(s.annotations) > 0 {
		img = mutate.Annotations(img, s.annotations).(v1.Image)
	}
	return img, nil
}

// mergeEnv applies KEY=VALUE settings over base, keeping base's order and
// appending new keys in the order given; PATH is set when base has none.
func mergeEnv(base, set []string) []string {
	out := slices.Clone(base)
	index := map[string]int{}
	for i, kv := range out {
		k, _, _ := strings.Cut(kv, "=")
		index[k] = i
	}
	if _, ok := index["PATH"]; !ok {
		index["PATH"] = len(out)
		out = append(out, "PATH="+defaultPath)
	}
	for _, kv := range set {
		k, _, _ := strings.Cut(kv, "=")
		if i, ok := index[k]; ok {
			out[i] = kv
			continue
		}
		index[k] = len(out)
		out = append(out, kv)
	}
	return out
}

// newIndex puts the platform images in one OCI index, in the order given,
// each descriptor carrying its platform.
func newIndex(images []PlatformImage, annotations map[string]string) v1.ImageIndex {
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	adds := make([]mutate.IndexAddendum, len(images))
	for i, pi := range images {
		p := pi.Platform.OCI()
		adds[i] = mutate.IndexAddendum{Add: notArtifact{pi.Image}, Descriptor: v1.Descriptor{Platform: &p}}
	}
	idx = mutate.AppendManifests(idx, adds...)
	if len(annotations) > 0 {
		idx = mutate.Annotations(idx, annotations).(v1.ImageIndex)
	}
	return idx
}

// notArtifact stops go-containerregistry from writing the config media type
// as the descriptor's artifactType: OCI reserves that field for artifacts,
// and these are plain images.
type notArtifact struct{ v1.Image }

func (notArtifact) ArtifactType() (string, error) { return "", nil }
