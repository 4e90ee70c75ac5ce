package sign

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/mingo-build/mingo/internal/smallblob"
)

// ErrNotSigned is wrapped by PublicKey.Verify's error when the manifest
// has no signature by the key.
var ErrNotSigned = errors.New("no valid signature")

// ErrPrivateKey is wrapped by LoadPublicKey's error for a file that holds
// a private key.
var ErrPrivateKey = errors.New("holds a private key, not a public key")

// PublicKey checks signatures made with the private half of a cosign key
// pair (Signer.Sign with a key from LoadKey), as `cosign verify --key`
// does, without the transparency log.
type PublicKey struct {
	pub  crypto.PublicKey
	hash crypto.Hash
}

// maxSignatureLayers bounds the signatures Verify reads of one manifest
// besides its own payload's, and maxPayloadSize each one's size: an
// attacker who can write the repository must not make a check expensive.
const (
	maxSignatureLayers = 20
	maxPayloadSize     = 64 << 10
)

// LoadPublicKey reads a public key file in PEM form, as cosign.pub holds
// (ECDSA, RSA or Ed25519).
func LoadPublicKey(path string) (*PublicKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("sign: reading public key: %w", err)
	}
	blk, _ := pem.Decode(b)
	switch {
	case blk == nil:
		return nil, fmt.Errorf("sign: %s: not a PEM public key", path)
	case isEncryptedKey(b) || strings.Contains(blk.Type, "PRIVATE KEY"):
		return nil, fmt.Errorf("sign: %s %w", path, ErrPrivateKey)
	}
	pub, err := x509.ParsePKIXPublicKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("sign: %s: parsing public key: %w", path, err)
	}
	// The hash cosign signs with for a key file's key (see newKeySigner).
	k := &PublicKey{pub: pub, hash: crypto.SHA256}
	switch p := pub.(type) {
	case *ecdsa.PublicKey:
		switch p.Curve {
		case elliptic.P384():
			k.hash = crypto.SHA384
		case elliptic.P521():
			k.hash = crypto.SHA512
		}
	case ed25519.PublicKey:
		k.hash = crypto.SHA512
	case *rsa.PublicKey:
	default:
		return nil, fmt.Errorf("sign: %s: unsupported public key type %T", path, pub)
	}
	return k, nil
}

// Verify checks that the manifest at digest carries a signature by k: a
// layer of the image tagged sha256-<hex>.sig in its repository whose
// simple signing payload names digest and whose signature annotation k
// verifies. The payload's docker-reference is not compared, so an entry
// copied between repositories stays valid. The error wraps ErrNotSigned
// when there is no such signature.
func (k *PublicKey) Verify(ctx context.Context, digest name.Digest, opts ...remote.Option) error {
	tag, _, err := verifyLayers(ctx, digest, opts, func(ann map[string]string, payload []byte) error {
		return k.check(ann[signatureAnnotation], payload)
	})
	if tag == "" || err == nil {
		return err
	}
	return fmt.Errorf("%w by the key in %s", ErrNotSigned, tag)
}

// verifyLayers looks for a simple signing layer of digest's signature
// image that check accepts, given the layer's annotations and its payload
// (which names digest). It returns nil when one is found; otherwise the
// signature tag with the last refusal of check (nil when none was
// checked) or, with tag "", an error that says why nothing was checked.
// At most maxSignatureLayers payloads besides mingo's own are read.
func verifyLayers(ctx context.Context, digest name.Digest, opts []remote.Option,
	check func(ann map[string]string, payload []byte) error) (tag string, last, err error) {
	ropts := remoteOptions(ctx, opts)
	sigTag := digest.Repository.Tag(strings.Replace(digest.DigestStr(), ":", "-", 1) + ".sig")
	desc, err := remote.Get(sigTag, ropts...)
	if isNotFound(err) {
		return "", nil, fmt.Errorf("%w: no tag %s", ErrNotSigned, sigTag.TagStr())
	}
	if err != nil {
		return "", nil, err
	}
	var m v1.Manifest
	if err := json.Unmarshal(desc.Manifest, &m); err != nil {
		return "", nil, fmt.Errorf("%w: %s is not a signature image", ErrNotSigned, sigTag.TagStr())
	}
	// mingo's own payload is known in advance: its signature needs no
	// download.
	own, err := simpleSigningPayload(digest)
	if err != nil {
		return "", nil, err
	}
	ownDigest, _, _ := v1.SHA256(bytes.NewReader(own))
	read := 0
	for _, l := range m.Layers {
		if l.MediaType != simpleSigningMediaType {
			continue
		}
		payload := own
		if l.Digest != ownDigest {
			if read++; read > maxSignatureLayers || l.Size > maxPayloadSize {
				continue
			}
			if payload, err = smallblob.Fetch(digest.Repository, l, maxPayloadSize, ropts...); err != nil || !namesDigest(payload, digest) {
				continue
			}
		}
		if last = check(l.Annotations, payload); last == nil {
			return "", nil, nil
		}
	}
	return sigTag.TagStr(), last, errors.New("not signed")
}

// check verifies sig64, a base64 signature annotation, over payload.
func (k *PublicKey) check(sig64 string, payload []byte) error {
	sig, err := base64.StdEncoding.DecodeString(sig64)
	if err != nil {
		return err
	}
	return verifyMessage(k.pub, k.hash, false, sig, payload)
}

// namesDigest reports whether payload, a simple signing payload, is about
// the manifest at digest.
func namesDigest(payload []byte, digest name.Digest) bool {
	var p struct {
		Critical struct {
			Image struct {
				DockerManifestDigest string `json:"docker-manifest-digest"`
			} `json:"image"`
		} `json:"critical"`
	}
	return json.Unmarshal(payload, &p) == nil && p.Critical.Image.DockerManifestDigest == digest.DigestStr()
}

// isNotFound reports whether err is a registry's 404.
func isNotFound(err error) bool {
	var terr *transport.Error
	return errors.As(err, &terr) && terr.StatusCode == http.StatusNotFound
}
