package gocache

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/mingo-build/mingo/buildcache"
)

// Media types and names of the registry tier's entries.
const (
	// ArtifactType is an action entry's artifactType.
	ArtifactType = "application/vnd.dev.mingo.gocache.v1"
	// OutputMediaType is the media type of an output's blob.
	OutputMediaType = "application/vnd.dev.mingo.gocache.output.v1"
	// TimeAnnotation holds when the output was put (RFC 3339).
	TimeAnnotation = "dev.mingo.gocache.time"
	// ActionAnnotation holds the action ID (hex) the entry answers, so
	// that a signature of the manifest covers the action as well as the
	// output: the tag alone is not signed.
	ActionAnnotation = "dev.mingo.gocache.action"
	// TagPrefix starts the tag of every action entry.
	TagPrefix = "gocache-"
)

// emptyConfig is the OCI empty descriptor's content, an entry's config.
var emptyConfig = static.NewLayer([]byte("{}"), types.MediaType("application/vnd.oci.empty.v1+json"))

// Registry is the registry tier: a repository holding action entries. An
// output is the blob whose digest is sha256:OUTPUTID, so the registry
// itself checks that its content is what the ID says; an action entry is
// an OCI manifest tagged gocache-ACTIONID whose one layer is the output's
// blob and whose TimeAnnotation says when it was put.
type Registry struct {
	repo   name.Repository
	puller *remote.Puller

	mu        sync.Mutex
	pusher    *remote.Pusher
	configSet bool
	opts      []remote.Option
	// signer signs the entries Record writes; trust, when set, must
	// have signed an entry for Lookup to return it.
	signer buildcache.Signer
	trust  buildcache.Verifier
}

// ErrUntrusted is wrapped by Lookup's error for an entry the Verifier of
// Trusting does not accept.
var ErrUntrusted = errors.New("not signed by the trusted key")

// SignedBy makes Record sign every entry with s, before its tag names it.
// Call it before the registry is used.
func (r *Registry) SignedBy(s buildcache.Signer) { r.signer = s }

// Trusting makes Lookup return only entries v verifies, which name the
// action they answer: any other is an error wrapping ErrUntrusted. Call
// it before the registry is used.
func (r *Registry) Trusting(v buildcache.Verifier) { r.trust = v }

// NewRegistry returns the registry tier in repo, reached with opts
// (credentials, transport). Nothing is sent yet.
func NewRegistry(repo name.Repository, opts ...remote.Option) (*Registry, error) {
	p, err := remote.NewPuller(opts...)
	if err != nil {
		return nil, err
	}
	return &Registry{repo: repo, puller: p, opts: opts}, nil
}

// Name is the repository.
func (r *Registry) Name() name.Repository { return r.repo }

// Entry is an action entry as the registry holds it.
type Entry struct {
	// Action is the action ID the entry says it answers; nil in entries
	// written before it was recorded.
	Action []byte
	Output []byte
	Size   int64
	Time   time.Time
	// Data is the output itself when the entry embeds it (an output of
	// at most InlineSize bytes), nil otherwise.
	Data []byte
}

// InlineSize is the largest output an entry embeds in its manifest (the
// layer descriptor's data field), besides the blob: most of the go
// command's outputs are that small, and a hit then costs one request.
const InlineSize = 2048

// ErrCorrupt is wrapped by errors about an action entry that is not one.
var ErrCorrupt = errors.New("not a go cache entry")

// Tag is the tag of action's entry.
func Tag(action []byte) string { return TagPrefix + hex.EncodeToString(action) }

// Lookup returns action's entry, or nil when the repository has none:
// one request.
func (r *Registry) Lookup(ctx context.Context, action []byte) (*Entry, error) {
	desc, err := r.puller.Get(ctx, r.repo.Tag(Tag(action)))
	if isNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	e, err := parseEntry(desc.Manifest)
	switch {
	case err != nil:
		return nil, err
	case e.Action != nil && !bytes.Equal(e.Action, action):
		return nil, fmt.Errorf("%w: tag %s holds the entry of action %x", ErrCorrupt, Tag(action), e.Action)
	case r.trust == nil:
		return e, nil
	case e.Action == nil:
		return nil, fmt.Errorf("%s: %w (the entry names no action)", Tag(action), ErrUntrusted)
	}
	if err := r.trust.Verify(ctx, r.repo.Digest(desc.Digest.String()), r.opts...); err != nil {
		return nil, fmt.Errorf("%s: %w (%v)", Tag(action), ErrUntrusted, err)
	}
	return e, nil
}

// parseEntry reads an action entry's manifest.
func parseEntry(b []byte) (*Entry, error) {
	var m v1.Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	if len(m.Layers) != 1 || m.Layers[0].MediaType != OutputMediaType || m.Layers[0].Digest.Algorithm != "sha256" {
		return nil, fmt.Errorf("%w: want one %s layer", ErrCorrupt, OutputMediaType)
	}
	out, err := hex.DecodeString(m.Layers[0].Digest.Hex)
	if err != nil || len(out) != 32 || m.Layers[0].Size < 0 {
		return nil, fmt.Errorf("%w: layer digest %s", ErrCorrupt, m.Layers[0].Digest)
	}
	t, _ := time.Parse(time.RFC3339Nano, m.Annotations[TimeAnnotation])
	e := &Entry{Output: out, Size: m.Layers[0].Size, Time: t}
	if a, ok := m.Annotations[ActionAnnotation]; ok {
		if e.Action, err = hex.DecodeString(a); err != nil || len(e.Action) == 0 {
			return nil, fmt.Errorf("%w: action annotation %q", ErrCorrupt, a)
		}
	}
	if d := m.Layers[0].Data; int64(len(d)) == e.Size {
		e.Data = append([]byte{}, d...) // an empty output is never downloaded
	}
	return e, nil
}

// Fetch opens the blob of output; an absent blob is an error wrapping
// ErrCorrupt (an entry names it).
func (r *Registry) Fetch(ctx context.Context, output []byte) (io.ReadCloser, error) {
	l, err := r.puller.Layer(ctx, r.repo.Digest("sha256:"+hex.EncodeToString(output)))
	if err != nil {
		return nil, err
	}
	rc, err := l.Compressed()
	if isNotFound(err) {
		return nil, fmt.Errorf("%w: blob sha256:%x is missing", ErrCorrupt, output)
	}
	return rc, err
}

// Record uploads the output in the local file path, then tags action's
// entry for it: several requests. Concurrent records of the same action
// are safe: each entry is complete, and the last tag wins. With a Signer,
// the entry is pushed by digest and signed before it is tagged.
func (r *Registry) Record(ctx context.Context, action []byte, e Entry, path string) error {
	e.Action = action
	p, err := r.writer(ctx)
	if err != nil {
		return err
	}
	blob := &fileBlob{path: path, digest: v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(e.Output)}, size: e.Size}
	if err := p.Upload(ctx, r.repo, blob); err != nil {
		return err
	}
	if e.Size <= InlineSize {
		if e.Data, err = os.ReadFile(path); err != nil {
			return err
		}
	}
	m, err := entryManifest(e)
	if err != nil {
		return err
	}
	if r.signer != nil {
		h, _, _ := v1.SHA256(bytes.NewReader(m))
		if err := p.Put(ctx, r.repo.Digest(h.String()), m); err != nil {
			return err
		}
		if err := r.signer.Sign(ctx, r.repo.Digest(h.String()), r.opts...); err != nil {
			return fmt.Errorf("signing go cache entry %s: %w", h, err)
		}
	}
	return p.Put(ctx, r.repo.Tag(Tag(action)), m)
}

// pusherOnce is the pusher, made on first use.
func (r *Registry) pusherOnce() (*remote.Pusher, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.pusher == nil {
		p, err := remote.NewPusher(r.opts...)
		if err != nil {
			return nil, err
		}
		r.pusher = p
	}
	return r.pusher, nil
}

// writer is the pusher, once the empty config is in the repository.
func (r *Registry) writer(ctx context.Context) (*remote.Pusher, error) {
	if _, err := r.pusherOnce(); err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.configSet {
		if err := r.pusher.Upload(ctx, r.repo, emptyConfig); err != nil {
			return nil, err
		}
		r.configSet = true
	}
	return r.pusher, nil
}

// entryManifest is e's manifest.
func entryManifest(e Entry) (rawManifest, error) {
	cfgDigest, _ := emptyConfig.Digest()
	m := struct {
		SchemaVersion int               `json:"schemaVersion"`
		MediaType     types.MediaType   `json:"mediaType"`
		ArtifactType  string            `json:"artifactType"`
		Config        v1.Descriptor     `json:"config"`
		Layers        []v1.Descriptor   `json:"layers"`
		Annotations   map[string]string `json:"annotations"`
	}{
		SchemaVersion: 2,
		MediaType:     types.OCIManifestSchema1,
		ArtifactType:  ArtifactType,
		Config:        v1.Descriptor{MediaType: "application/vnd.oci.empty.v1+json", Digest: cfgDigest, Size: 2},
		Layers:        []v1.Descriptor{{MediaType: OutputMediaType, Digest: v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(e.Output)}, Size: e.Size, Data: e.Data}},
		Annotations:   map[string]string{TimeAnnotation: e.Time.UTC().Format(time.RFC3339Nano)},
	}
	if e.Action != nil {
		m.Annotations[ActionAnnotation] = hex.EncodeToString(e.Action)
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	return rawManifest(b), nil
}

// rawManifest is a manifest's bytes, for Pusher.Put.
type rawManifest []byte

func (m rawManifest) RawManifest() ([]byte, error)        { return bytes.Clone(m), nil }
func (m rawManifest) MediaType() (types.MediaType, error) { return types.OCIManifestSchema1, nil }

// fileBlob is an output in a local file as a layer to upload.
type fileBlob struct {
	path   string
	digest v1.Hash
	size   int64
}

func (b *fileBlob) Digest() (v1.Hash, error)             { return b.digest, nil }
func (b *fileBlob) DiffID() (v1.Hash, error)             { return b.digest, nil }
func (b *fileBlob) Size() (int64, error)                 { return b.size, nil }
func (b *fileBlob) MediaType() (types.MediaType, error)  { return OutputMediaType, nil }
func (b *fileBlob) Compressed() (io.ReadCloser, error)   { return os.Open(b.path) }
func (b *fileBlob) Uncompressed() (io.ReadCloser, error) { return os.Open(b.path) }

// isNotFound reports whether err is the registry saying a manifest, blob
// or repository does not exist.
func isNotFound(err error) bool {
	var terr *transport.Error
	if !errors.As(err, &terr) {
		return false
	}
	if terr.StatusCode == http.StatusNotFound {
		return true
	}
	for _, d := range terr.Errors {
		if d.Code == transport.ManifestUnknownErrorCode || d.Code == transport.NameUnknownErrorCode || d.Code == transport.BlobUnknownErrorCode {
			return true
		}
	}
	return false
}

// isDenied reports whether err is the registry refusing the credentials.
func isDenied(err error) bool {
	var terr *transport.Error
	return errors.As(err, &terr) && (terr.StatusCode == http.StatusUnauthorized || terr.StatusCode == http.StatusForbidden || strings.Contains(terr.Error(), "DENIED"))
}
