package buildcache

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/mingo-build/mingo/internal/smallblob"
)

// Media types of a cache entry.
const (
	ArtifactType    = "application/vnd.dev.mingo.build-cache.v1"
	ConfigMediaType = "application/vnd.dev.mingo.build-cache.config.v1+json"
)

// maxConfigSize bounds what Lookup reads of an entry's config: the parts
// of a large program's key are a few hundred kilobytes.
const maxConfigSize = 16 << 20

// Repo is a registry repository that holds cache entries.
type Repo struct {
	repo name.Repository
	opts []remote.Option
	// readOnly: a Client looks entries up and records none.
	readOnly bool
	// signer signs the entries Record stores; trust, when set, must have
	// signed an entry for a lookup to return it.
	signer Signer
	trust  Verifier
}

// Signer signs the manifest at a digest where a Verifier finds the
// signature (beside it in its repository, never inside it);
// *sign.Signer is one.
type Signer interface {
	Sign(ctx context.Context, digest name.Digest, opts ...remote.Option) error
}

// Verifier checks that the manifest at a digest was signed by a key it
// trusts; *sign.PublicKey is one.
type Verifier interface {
	Verify(ctx context.Context, digest name.Digest, opts ...remote.Option) error
}

// SignedBy returns r for a Client whose recorded entries s signs.
func (r *Repo) SignedBy(s Signer) *Repo {
	c := *r
	c.signer = s
	return &c
}

// Trusting returns r for a Client that takes only entries v verifies: any
// other entry is a miss, and Lookup's error wraps ErrUntrusted. Without a
// Verifier, anyone who can write the repository decides what a hit is.
func (r *Repo) Trusting(v Verifier) *Repo {
	c := *r
	c.trust = v
	return &c
}

// ErrUntrusted is wrapped by Lookup's error for an entry the Verifier of
// Trusting does not accept.
var ErrUntrusted = errors.New("not signed by the trusted key")

// ReadOnly returns r for a Client that looks binaries up and never
// records one (for builds that may not write the shared cache).
func (r *Repo) ReadOnly() *Repo {
	c := *r
	c.readOnly = true
	return &c
}

// Open returns the cache repository ref names (REGISTRY/REPOSITORY), to be
// reached with opts (credentials, transport). Nothing is sent yet.
func Open(ref string, opts ...remote.Option) (*Repo, error) {
	repo, err := name.NewRepository(ref)
	if err != nil {
		return nil, fmt.Errorf("cache repository %q: %w: %v", ref, ErrInvalidRepo, err)
	}
	return &Repo{repo: repo, opts: opts}, nil
}

// ErrInvalidRepo is wrapped by Open's error for a reference that is not a
// repository.
var ErrInvalidRepo = errors.New("not a REGISTRY/REPOSITORY reference")

// Name is the repository, REGISTRY/REPOSITORY.
func (r *Repo) Name() name.Repository { return r.repo }

// Entry is a binary layer found in the cache.
type Entry struct {
	// Layer is the binary layer, read from the registry; its
	// Compressed() content is checked against its digest as it is read.
	Layer v1.Layer
	// Digest, DiffID and Size are the layer's, as recorded.
	Digest, DiffID v1.Hash
	Size           int64
	// MediaType is the layer's media type.
	MediaType types.MediaType
	// Parts are the key's parts, as recorded.
	Parts map[string]string
}

// config is an entry's config blob: the key and what the layer is.
type config struct {
	Key    string            `json:"key"`
	DiffID string            `json:"diffID"`
	Parts  map[string]string `json:"parts"`
}

// ErrCorrupt is wrapped by errors about an entry whose content does not
// match its digest or its key.
var ErrCorrupt = errors.New("corrupt cache entry")

// Lookup returns the entry tagged for k, or nil when there is none.
func (r *Repo) Lookup(ctx context.Context, k Key) (*Entry, error) {
	return r.get(ctx, r.repo.Tag(keyTag(k.Hex())), k.Hex())
}

// Last returns the parts of the entry last recorded under pointer (see
// Record), or nil when there is none or it is not trusted.
func (r *Repo) Last(ctx context.Context, pointer string) (map[string]string, error) {
	e, err := r.get(ctx, r.repo.Tag(pointerTag(pointer)), "")
	if errors.Is(err, ErrUntrusted) {
		return nil, nil
	}
	if e == nil || err != nil {
		return nil, err
	}
	return e.Parts, nil
}

// get reads the entry ref points at; wantKey, when set, must be the key it
// records.
func (r *Repo) get(ctx context.Context, ref name.Tag, wantKey string) (*Entry, error) {
	opts := append([]remote.Option{remote.WithContext(ctx)}, r.opts...)
	desc, err := remote.Get(ref, opts...)
	if isNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	// The manifest's digest, which the signature covers, is computed from
	// the bytes read: it pins the config (so the key) and the layer.
	if r.trust != nil {
		if err := r.trust.Verify(ctx, r.repo.Digest(desc.Digest.String()), r.opts...); err != nil {
			return nil, fmt.Errorf("%s: %w (%v)", ref, ErrUntrusted, err)
		}
	}
	var m v1.Manifest
	if err := json.Unmarshal(desc.Manifest, &m); err != nil || len(m.Layers) != 1 || m.Config.MediaType != ConfigMediaType {
		return nil, fmt.Errorf("%w: %s is not a mingo cache entry", ErrCorrupt, ref)
	}
	cfg, err := r.config(ctx, m.Config, opts)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ref, err)
	}
	if wantKey != "" && cfg.Key != wantKey {
		return nil, fmt.Errorf("%w: %s records key %s", ErrCorrupt, ref, cfg.Key)
	}
	diffID, err := v1.NewHash(cfg.DiffID)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: diff ID: %v", ErrCorrupt, ref, err)
	}
	l := m.Layers[0]
	layer, err := remote.Layer(r.repo.Digest(l.Digest.String()), opts...)
	if err != nil {
		return nil, err
	}
	return &Entry{Layer: layer, Digest: l.Digest, DiffID: diffID, Size: l.Size, MediaType: l.MediaType, Parts: cfg.Parts}, nil
}

// config fetches and checks an entry's config blob.
func (r *Repo) config(ctx context.Context, d v1.Descriptor, opts []remote.Option) (*config, error) {
	b, err := smallblob.Fetch(r.repo, d, maxConfigSize, opts...)
	if errors.Is(err, smallblob.ErrTooLarge) || errors.Is(err, smallblob.ErrDigest) {
		return nil, fmt.Errorf("%w: config: %v", ErrCorrupt, err)
	}
	if err != nil {
		return nil, err
	}
	var c config
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("%w: config: %v", ErrCorrupt, err)
	}
	return &c, nil
}

// Record stores layer, the binary layer built for k, as k's entry, and
// points the pointer tag at it, so that a later miss of the same binary can
// say which parts changed. The layer's blob is uploaded unless the
// repository has it. With a Signer, the entry's manifest is pushed by
// digest and signed before any tag names it, so that a reader never sees
// it unsigned.
func (r *Repo) Record(ctx context.Context, k Key, pointer string, layer v1.Layer) error {
	opts := append([]remote.Option{remote.WithContext(ctx)}, r.opts...)
	diffID, err := layer.DiffID()
	if err != nil {
		return err
	}
	cfgJSON, err := json.Marshal(config{Key: k.Hex(), DiffID: diffID.String(), Parts: k.Parts})
	if err != nil {
		return err
	}
	cfgLayer := static.NewLayer(cfgJSON, ConfigMediaType)
	for _, l := range []v1.Layer{layer, cfgLayer} {
		if err := remote.WriteLayer(r.repo, l, opts...); err != nil {
			return err
		}
	}
	man, err := manifest(cfgLayer, layer)
	if err != nil {
		return err
	}
	if r.signer != nil {
		if err := r.putSigned(ctx, man, opts); err != nil {
			return err
		}
	}
	for _, tag := range []string{keyTag(k.Hex()), pointerTag(pointer)} {
		if err := remote.Put(r.repo.Tag(tag), man, opts...); err != nil {
			return err
		}
	}
	return nil
}

// putSigned pushes man by digest and signs it.
func (r *Repo) putSigned(ctx context.Context, man *rawManifest, opts []remote.Option) error {
	h, _, err := v1.SHA256(bytes.NewReader(man.b))
	if err != nil {
		return err
	}
	d := r.repo.Digest(h.String())
	if err := remote.Put(d, man, opts...); err != nil {
		return err
	}
	if err := r.signer.Sign(ctx, d, r.opts...); err != nil {
		return fmt.Errorf("signing cache entry %s: %w", h, err)
	}
	return nil
}

// ociManifest is a cache entry's manifest: an OCI 1.1 artifact, which a
// registry without the artifact fields stores as a plain image manifest.
type ociManifest struct {
	SchemaVersion int             `json:"schemaVersion"`
	MediaType     types.MediaType `json:"mediaType"`
	ArtifactType  string          `json:"artifactType"`
	Config        v1.Descriptor   `json:"config"`
	Layers        []v1.Descriptor `json:"layers"`
}

func manifest(cfg, layer v1.Layer) (*rawManifest, error) {
	var descs [2]v1.Descriptor
	for i, l := range []v1.Layer{cfg, layer} {
		d, err := l.Digest()
		if err != nil {
			return nil, err
		}
		size, err := l.Size()
		if err != nil {
			return nil, err
		}
		mt, err := l.MediaType()
		if err != nil {
			return nil, err
		}
		descs[i] = v1.Descriptor{MediaType: mt, Digest: d, Size: size}
	}
	b, err := json.Marshal(ociManifest{SchemaVersion: 2, MediaType: types.OCIManifestSchema1, ArtifactType: ArtifactType, Config: descs[0], Layers: descs[1:]})
	if err != nil {
		return nil, err
	}
	return &rawManifest{b}, nil
}

type rawManifest struct{ b []byte }

func (m *rawManifest) RawManifest() ([]byte, error) { return bytes.Clone(m.b), nil }

func (m *rawManifest) MediaType() (types.MediaType, error) { return types.OCIManifestSchema1, nil }

// keyTag is the tag of key hex's entry: 70 characters, within OCI's 128.
func keyTag(hex string) string { return "mingo-" + hex }

// pointerTag is the tag that follows the latest entry of one binary and
// target (pointer is a caller's name for them); it is hashed to fit the
// tag rules.
func pointerTag(pointer string) string {
	s := sha256.Sum256([]byte(pointer))
	return "mingo-last-" + hex.EncodeToString(s[:16])
}

func isNotFound(err error) bool {
	var terr *transport.Error
	if !errors.As(err, &terr) {
		return false
	}
	if terr.StatusCode == http.StatusNotFound {
		return true
	}
	for _, d := range terr.Errors {
		if d.Code == transport.ManifestUnknownErrorCode || d.Code == transport.NameUnknownErrorCode {
			return true
		}
	}
	return false
}
