package sign

import (
	"context"
	"errors"
	"fmt"
	"os"
)

// Options say how to sign: with a cosign key, or keylessly (a Fulcio
// certificate for the OIDC identity of the environment), and whether to
// record signatures in a Rekor transparency log.
type Options struct {
	// Key is a cosign private key file; "" signs keylessly.
	Key string
	// Password decrypts Key; nil reads it from COSIGN_PASSWORD, which must
	// then be set (empty for a key without one).
	Password []byte
	// NoTransparencyLog signs without a Rekor entry (key signing only:
	// keyless signing needs the entry to prove the certificate was valid).
	NoTransparencyLog bool
	// FulcioURL and RekorURL default to the public Sigstore instances.
	FulcioURL, RekorURL string
}

// ErrNoPassword is a key given without its passphrase.
var ErrNoPassword = errors.New("no passphrase for the cosign key: COSIGN_PASSWORD is not set")

// ErrKeylessNoLog is keyless signing asked for without a transparency log.
var ErrKeylessNoLog = errors.New("keyless signing needs the Rekor transparency log (its entry proves the short-lived certificate was valid)")

// Open returns the signer o describes, checked before any build: the key
// decrypts, the OIDC token exists, Fulcio and Rekor answer. So nothing is
// ever pushed unsigned for want of a signer.
func Open(ctx context.Context, o Options) (*Signer, error) {
	rekor := o.RekorURL
	if rekor == "" {
		rekor = DefaultRekorURL
	}
	if o.Key == "" {
		if o.NoTransparencyLog {
			return nil, ErrKeylessNoLog
		}
		s, err := Keyless(ctx, KeylessOptions{FulcioURL: o.FulcioURL, RekorURL: rekor})
		if err != nil && !errors.Is(err, ErrNoKeyless) && ctx.Err() == nil {
			err = &SigstoreError{Err: err}
		}
		return s, err
	}
	password := o.Password
	if password == nil {
		p, ok := os.LookupEnv(PasswordEnv)
		if !ok {
			return nil, ErrNoPassword
		}
		password = []byte(p)
	}
	s, err := LoadKey(o.Key, password)
	if err != nil || o.NoTransparencyLog {
		return s, err
	}
	if s, err = s.WithTransparencyLog(ctx, rekor, nil); err != nil {
		return nil, &LogError{URL: rekor, Err: err}
	}
	return s, nil
}

// LogError is a transparency log that cannot be used for key signing.
type LogError struct {
	URL string
	Err error
}

func (e *LogError) Error() string { return fmt.Sprintf("transparency log %s: %v", e.URL, e.Err) }
func (e *LogError) Unwrap() error { return e.Err }

// SigstoreError is a Sigstore instance (its Fulcio or Rekor) that cannot
// be used for keyless signing; its text is Err's.
type SigstoreError struct{ Err error }

func (e *SigstoreError) Error() string { return e.Err.Error() }
func (e *SigstoreError) Unwrap() error { return e.Err }
