package publish

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/mingo-build/mingo/internal/provenance"
	"github.com/mingo-build/mingo/internal/recipe"
	"github.com/mingo-build/mingo/sbom"
)

// SPDXPredicateType is what `cosign verify-attestation --type spdxjson`
// looks for.
const SPDXPredicateType = "https://spdx.dev/Document"

// Signer signs and attests what a registry holds; *sign.Signer is one.
type Signer interface {
	Sign(ctx context.Context, digest name.Digest, opts ...remote.Option) error
	Attest(ctx context.Context, digest name.Digest, predicateType string, predicate []byte, opts ...remote.Option) error
}

// Provenance says who built, for the SLSA provenance attestation.
type Provenance struct {
	// BuilderID identifies who ran the build (a CI workflow's URL).
	BuilderID string
	// ToolVersion is mingo's version.
	ToolVersion string
}

// referrers attaches, in repo and before any tag is written, each platform
// image's SBOM and the index's; with a Signer it then signs every platform
// image and the artifact, attests each SBOM and, with Provenance, the SLSA
// provenance.
func (r *Registry) referrers(ctx context.Context, repo name.Repository, res *Image) error {
	for _, pi := range res.Images {
		if pi.SBOM == nil {
			continue
		}
		subject, err := partial.Descriptor(pi.Image)
		if err != nil {
			return err
		}
		if _, err := r.Attach(ctx, repo, *subject, sbom.MediaType, pi.SBOM); err != nil {
			return fmt.Errorf("attaching the SBOM of %s: %w", pi.Platform, err)
		}
	}
	if res.Index != nil && res.SBOM != nil {
		subject, err := partial.Descriptor(res.Index)
		if err != nil {
			return err
		}
		if _, err := r.Attach(ctx, repo, *subject, sbom.MediaType, res.SBOM); err != nil {
			return fmt.Errorf("attaching the SBOM of the index: %w", err)
		}
	}
	if r.Signer == nil {
		return nil
	}
	return r.sign(ctx, repo, res)
}

func (r *Registry) sign(ctx context.Context, repo name.Repository, res *Image) error {
	opts := r.RemoteOptions(ctx)
	platforms := map[string]string{}
	for _, pi := range res.Images {
		d, err := pi.Image.Digest()
		if err != nil {
			return err
		}
		platforms[pi.Platform.String()] = d.String()
		ref := repo.Digest(d.String())
		if res.Index != nil {
			if err := r.Signer.Sign(ctx, ref, opts...); err != nil {
				return fmt.Errorf("signing %s: %w", ref, err)
			}
		}
		if pi.SBOM != nil {
			if err := r.Signer.Attest(ctx, ref, SPDXPredicateType, pi.SBOM, opts...); err != nil {
				return fmt.Errorf("attesting the SBOM of %s: %w", ref, err)
			}
		}
	}
	top, err := res.Artifact().Digest()
	if err != nil {
		return err
	}
	ref := repo.Digest(top.String())
	if err := r.Signer.Sign(ctx, ref, opts...); err != nil {
		return fmt.Errorf("signing %s: %w", ref, err)
	}
	if res.Index != nil && res.SBOM != nil {
		// What `cosign verify-attestation --type spdxjson` finds at the tag.
		if err := r.Signer.Attest(ctx, ref, SPDXPredicateType, res.SBOM, opts...); err != nil {
			return fmt.Errorf("attesting the SBOM of %s: %w", ref, err)
		}
	}
	if r.Provenance == nil {
		return nil
	}
	pred, err := r.Provenance.predicate(res, platforms)
	if err != nil {
		return err
	}
	if err := r.Signer.Attest(ctx, ref, provenance.PredicateType, pred, opts...); err != nil {
		return fmt.Errorf("attesting the provenance of %s: %w", ref, err)
	}
	return nil
}

// predicate is the SLSA provenance of res, from what the build recorded.
func (p *Provenance) predicate(res *Image, platforms map[string]string) ([]byte, error) {
	raw, err := res.Artifact().RawManifest()
	if err != nil {
		return nil, err
	}
	var manifest struct {
		Annotations map[string]string `json:"annotations"`
	}
	if err := json.Unmarshal(raw, &manifest); err != nil {
		return nil, err
	}
	return provenance.Predicate(provenance.Options{
		Package:      res.ImportPath,
		Module:       res.Module,
		Version:      "(devel)",
		Repository:   manifest.Annotations[ocispec.AnnotationSource],
		Revision:     manifest.Annotations[ocispec.AnnotationRevision],
		GoVersion:    res.GoVersion,
		Recipe:       json.RawMessage(manifest.Annotations[recipe.Annotation]),
		Platforms:    platforms,
		Builder:      p.BuilderID,
		Started:      res.Epoch,
		MingoVersion: p.ToolVersion,
	})
}
