// Package smallblob fetches small registry blobs (configs, signature
// payloads) whole into memory, bounded in size and checked against their
// digest: what a registry serves is never trusted before it is hashed.
package smallblob

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// ErrTooLarge is a blob bigger than the caller's limit, by its descriptor
// or by what the registry sent.
var ErrTooLarge = errors.New("blob too large")

// ErrDigest is a blob whose bytes do not hash to its digest.
var ErrDigest = errors.New("blob does not match its digest")

// Fetch returns the blob d of repo, at most limit bytes, once its bytes
// hash to d.Digest. The registry is asked for no more than limit+1 bytes'
// worth of reading, so a hostile one cannot make it allocate more.
func Fetch(repo name.Repository, d v1.Descriptor, limit int64, opts ...remote.Option) ([]byte, error) {
	if d.Size > limit {
		return nil, fmt.Errorf("%w: %s is %d bytes, over %d", ErrTooLarge, d.Digest, d.Size, limit)
	}
	l, err := remote.Layer(repo.Digest(d.Digest.String()), opts...)
	if err != nil {
		return nil, err
	}
	rc, err := l.Compressed()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%w: %s is over %d bytes", ErrTooLarge, d.Digest, limit)
	}
	if h, _, _ := v1.SHA256(bytes.NewReader(b)); h != d.Digest {
		return nil, fmt.Errorf("%w: %s", ErrDigest, d.Digest)
	}
	return b, nil
}
