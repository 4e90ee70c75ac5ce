package build

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/mingo-build/mingo/config"
	"github.com/mingo-build/mingo/internal/layers"
	"github.com/mingo-build/mingo/platform"
)

// Names of the generated bases; anything else given to --base is a
// registry reference.
const (
	BaseScratch    = config.BaseScratch
	BaseDistroless = config.BaseDistroless
)

// Annotations recording a registry base, on every image and the index.
const (
	AnnotationBaseName   = "org.opencontainers.image.base.name"
	AnnotationBaseDigest = "org.opencontainers.image.base.digest"
)

// ErrBadBase is a base that is neither a generated base nor a reference.
var ErrBadBase = errors.New("want scratch, distroless or a registry/repository[:tag|@digest] reference")

// Preset is what a base contributes by default; flags override each field.
type Preset struct {
	CACerts, TZData, Passwd bool
	// User is the default --user; "" keeps the base's (root for scratch).
	User string
}

// PresetFor returns the defaults of base: distroless has the CA bundle,
// tzdata and identity files and runs as nonroot; scratch and registry bases
// add nothing.
func PresetFor(base string) Preset {
	if base == BaseDistroless {
		return Preset{CACerts: true, TZData: true, Passwd: true, User: "nonroot"}
	}
	return Preset{}
}

// baseImage is the image each platform starts from.
type baseImage struct {
	ref   name.Reference // nil for the generated bases
	index v1.ImageIndex  // set when ref names an index
	image v1.Image       // set when ref names a single image
	// digest is what ref resolved to: the index's or the image's.
	digest v1.Hash
}

// resolveBase fetches the base's manifest (not its layers) once, so every
// platform is built on the same base digest even if the tag moves.
func resolveBase(ctx context.Context, base string, opts []remote.Option) (*baseImage, error) {
	if base == "" || base == BaseScratch || base == BaseDistroless {
		return &baseImage{}, nil
	}
	ref, err := name.ParseReference(base)
	if err != nil {
		return nil, fmt.Errorf("base %q: %w: %w", base, ErrBadBase, err)
	}
	desc, err := remote.Get(ref, append(opts, remote.WithContext(ctx))...)
	if err != nil {
		return nil, fmt.Errorf("fetching base image %s: %w", ref, err)
	}
	b := &baseImage{ref: ref, digest: desc.Digest}
	if desc.MediaType.IsIndex() {
		b.index, err = desc.ImageIndex()
	} else {
		b.image, err = desc.Image()
	}
	if err != nil {
		return nil, fmt.Errorf("reading base image %s: %w", ref, err)
	}
	return b, nil
}

// platforms lists the Linux platforms the base offers that Go can target.
func (b *baseImage) platforms() ([]platform.Platform, error) {
	descs, err := b.descriptors()
	if err != nil {
		return nil, err
	}
	var out []platform.Platform
	seen := map[platform.Platform]bool{}
	for _, d := range descs {
		p, err := platform.Parse(strings.TrimSuffix(d.OS+"/"+d.Architecture+"/"+d.Variant, "/"))
		if err != nil || p.OS != "linux" || seen[p] {
			continue // attestations ("unknown/unknown"), other OSes
		}
		seen[p] = true
		out = append(out, p)
	}
	return out, nil
}

// descriptors returns the platforms of the base's manifests.
func (b *baseImage) descriptors() ([]v1.Platform, error) {
	if b.index != nil {
		im, err := b.index.IndexManifest()
		if err != nil {
			return nil, err
		}
		var out []v1.Platform
		for _, d := range im.Manifests {
			if d.Platform != nil {
				out = append(out, *d.Platform)
			}
		}
		return out, nil
	}
	cf, err := b.image.ConfigFile()
	if err != nil {
		return nil, err
	}
	return []v1.Platform{{OS: cf.OS, Architecture: cf.Architecture, Variant: cf.Variant}}, nil
}

// forPlatform returns the image to build p on and the digest to record as
// its base: an empty OCI image for the generated bases, the matching
// manifest of a registry base otherwise.
func (b *baseImage) forPlatform(p platform.Platform) (v1.Image, v1.Hash, error) {
	if b.ref == nil {
		img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
		return mutate.ConfigMediaType(img, types.OCIConfigJSON), v1.Hash{}, nil
	}
	if b.image != nil {
		descs, err := b.descriptors()
		if err != nil {
			return nil, v1.Hash{}, err
		}
		if d := descs[0]; p.Matches(d.OS, d.Architecture, d.Variant) {
			return b.image, b.digest, nil
		}
		return nil, v1.Hash{}, b.lacks(p)
	}
	im, err := b.index.IndexManifest()
	if err != nil {
		return nil, v1.Hash{}, err
	}
	for _, d := range im.Manifests {
		if d.Platform != nil && d.MediaType.IsImage() && p.Matches(d.Platform.OS, d.Platform.Architecture, d.Platform.Variant) {
			img, err := b.index.Image(d.Digest)
			if err != nil {
				return nil, v1.Hash{}, fmt.Errorf("reading base image %s for %s: %w", b.ref, p, err)
			}
			return img, d.Digest, nil
		}
	}
	return nil, v1.Hash{}, b.lacks(p)
}

func (b *baseImage) lacks(p platform.Platform) error {
	offered, _ := b.platforms()
	names := make([]string, len(offered))
	for i, o := range offered {
		names[i] = o.String()
	}
	return &MissingPlatformError{Base: b.ref.String(), Platform: p.String(), Offers: names}
}

// MissingPlatformError is a platform asked for that the base image lacks.
type MissingPlatformError struct {
	Base, Platform string
	Offers         []string
	// Toolbox is set when Base is the debug variants' toolbox image.
	Toolbox bool
}

func (e *MissingPlatformError) Error() string {
	what := "base image"
	if e.Toolbox {
		what = "toolbox image"
	}
	return fmt.Sprintf("%s %s has no %s image; it offers %s", what, e.Base, e.Platform, strings.Join(e.Offers, ", "))
}

// annotations returns the base annotations for an image whose base
// manifest is digest (the zero hash for generated bases: none).
func (b *baseImage) annotations(digest v1.Hash) map[string]string {
	if b.ref == nil {
		return nil
	}
	return map[string]string{AnnotationBaseName: b.ref.Name(), AnnotationBaseDigest: digest.String()}
}

// layerMediaType is the media type our layers get on img: Docker's when the
// base manifest is a Docker one, so one manifest never mixes the two
// families; OCI otherwise. Docker manifests have no zstd layer type.
func layerMediaType(img v1.Image, c layers.Compression) (types.MediaType, error) {
	mt, err := img.MediaType()
	if err != nil {
		return "", err
	}
	if mt == types.DockerManifestSchema2 {
		if c == layers.Zstd {
			return "", ErrZstdDockerBase
		}
		return types.DockerLayer, nil
	}
	return c.MediaType(), nil
}

// ErrZstdDockerBase is zstd asked for on a base whose manifest is Docker's
// schema 2, which has no zstd layer media type.
var ErrZstdDockerBase = errors.New("zstd layers need a base with OCI manifests; this base has Docker schema 2 manifests")
