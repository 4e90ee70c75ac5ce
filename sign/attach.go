package sign

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// The layer annotations cosign reads a signature's parts from.
const (
	signatureAnnotation   = "dev.cosignproject.cosign/signature"
	certificateAnnotation = "dev.sigstore.cosign/certificate"
	chainAnnotation       = "dev.sigstore.cosign/chain"
	bundleAnnotation      = "dev.sigstore.cosign/bundle"
)

// The media types of cosign's signature and attestation layers.
const (
	simpleSigningMediaType types.MediaType = "application/vnd.dev.cosign.simplesigning.v1+json"
	dsseMediaType          types.MediaType = "application/vnd.dsse.envelope.v1+json"
	intotoPayloadType                      = "application/vnd.in-toto+json"
)

// maxAttachedLayers is cosign's limit on the signatures (or attestations)
// of one image.
const maxAttachedLayers = 1000

// attachment is one signature or attestation layer, as cosign's
// oci/static package makes it.
type attachment struct {
	payload     []byte
	mediaType   types.MediaType
	annotations map[string]string
	// isCopy reports whether a layer already in the image is this
	// attachment again (same payload and annotations, a signature by the
	// same key), which is then not added.
	isCopy func(existing v1.Descriptor) bool
}

// attach appends a to the image tagged sha256-<hex>.sig (suffix "sig") or
// .att in digest's repository, creating it when there is none, as cosign's
// mutate.AttachSignatureToEntity and remote.WriteSignatures do.
func attach(digest name.Digest, suffix string, a attachment, ropts []remote.Option) error {
	tag := digest.Repository.Tag(strings.Replace(digest.DigestStr(), ":", "-", 1) + "." + suffix)
	base, err := remote.Image(tag, ropts...)
	var terr *transport.Error
	switch {
	case errors.As(err, &terr) && terr.StatusCode == http.StatusNotFound:
		base = mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	case err != nil:
		return err
	}
	m, err := base.Manifest()
	if err != nil {
		return err
	}
	for _, l := range m.Layers {
		if a.isCopy != nil && a.isCopy(l) {
			return nil
		}
	}
	if len(m.Layers) >= maxAttachedLayers {
		return fmt.Errorf("%s already holds %d layers, cosign's limit", tag, len(m.Layers))
	}
	img, err := mutate.Append(base, mutate.Addendum{
		Layer:       static.NewLayer(a.payload, a.mediaType),
		Annotations: a.annotations,
	})
	if err != nil {
		return err
	}
	return remote.Write(tag, img, ropts...)
}

// sameLayer reports whether existing holds payload with want's annotations
// (the signature annotation aside) and media type.
func sameLayer(existing v1.Descriptor, payload []byte, mt types.MediaType, want map[string]string) bool {
	h, _, err := v1.SHA256(bytes.NewReader(payload))
	if err != nil || existing.Digest != h || existing.MediaType != mt {
		return false
	}
	for k, v := range want {
		if k == signatureAnnotation {
			continue
		}
		if got, ok := existing.Annotations[k]; !ok || got != v {
			return false
		}
	}
	return true
}
