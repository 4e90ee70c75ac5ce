package publish

import (
	"bytes"
	"context"
	"encoding/json"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// emptyJSON is the OCI empty descriptor's content: the config of an
// artifact that has none.
var emptyJSON = []byte("{}")

const emptyMediaType types.MediaType = "application/vnd.oci.empty.v1+json"

// rawManifest is a manifest mingo wrote itself, with its media type.
type rawManifest struct {
	raw []byte
	mt  types.MediaType
}

func (r rawManifest) RawManifest() ([]byte, error)        { return r.raw, nil }
func (r rawManifest) MediaType() (types.MediaType, error) { return r.mt, nil }

// Attach pushes document as an OCI 1.1 artifact of artifactType whose
// subject is the manifest subject in repo, so that tools that follow
// referrers (cosign tree, oras discover) find it. Registries without the
// referrers API (Distribution 2.x) get the sha256-<digest> fallback tag,
// which go-containerregistry maintains. The artifact's bytes depend only on
// its inputs. It returns the artifact's digest.
func (r *Registry) Attach(ctx context.Context, repo name.Repository, subject v1.Descriptor, artifactType string, document []byte) (v1.Hash, error) {
	opts := r.RemoteOptions(ctx)
	blob := static.NewLayer(document, types.MediaType(artifactType))
	config := static.NewLayer(emptyJSON, emptyMediaType)
	for _, l := range []v1.Layer{config, blob} {
		if err := remote.WriteLayer(repo, l, opts...); err != nil {
			return v1.Hash{}, registryError(repo, err)
		}
	}
	blobDigest, _ := blob.Digest()
	configDigest, _ := config.Digest()
	subject = v1.Descriptor{MediaType: subject.MediaType, Digest: subject.Digest, Size: subject.Size}
	m := v1.Manifest{
		SchemaVersion: 2,
		MediaType:     types.OCIManifestSchema1,
		Config:        v1.Descriptor{MediaType: emptyMediaType, Digest: configDigest, Size: int64(len(emptyJSON)), Data: emptyJSON},
		Layers:        []v1.Descriptor{{MediaType: types.MediaType(artifactType), Digest: blobDigest, Size: int64(len(document))}},
		Subject:       &subject,
		ArtifactType:  artifactType,
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return v1.Hash{}, err
	}
	digest, _, err := v1.SHA256(bytes.NewReader(raw))
	if err != nil {
		return v1.Hash{}, err
	}
	if err := remote.Put(repo.Digest(digest.String()), rawManifest{raw, types.OCIManifestSchema1}, opts...); err != nil {
		return v1.Hash{}, registryError(repo, err)
	}
	return digest, nil
}
