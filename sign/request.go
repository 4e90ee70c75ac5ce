package sign

import (
	"context"
	"errors"
)

// Request is what a build asks of signing (mingo build's --sign, --key,
// --provenance): whether to sign what it pushes, and how.
type Request struct {
	// Sign signs the images pushed, as Options say.
	Sign bool
	// Provenance attests, signed, how the images were built.
	Provenance bool
	// Push is whether the build pushes: only what is pushed is signed.
	Push bool
	Options
}

// The errors of Request.Open: a request that cannot be honoured.
var (
	ErrNotSigning = errors.New("sign: a key or provenance without signing")
	ErrNotPushed  = errors.New("sign: signing what is not pushed")
)

// Open returns the signer r asks for (see Open), or nil when r does not
// sign. A key or provenance without Sign is ErrNotSigning, Sign without
// Push ErrNotPushed: a build fails before anything is built, rather than
// leave unsigned what it was asked to sign.
func (r Request) Open(ctx context.Context) (*Signer, error) {
	switch {
	case !r.Sign && (r.Key != "" || r.Provenance):
		return nil, ErrNotSigning
	case !r.Sign:
		return nil, nil
	case !r.Push:
		return nil, ErrNotPushed
	}
	return Open(ctx, r.Options)
}
