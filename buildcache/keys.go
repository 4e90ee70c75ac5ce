package buildcache

import (
	"errors"
	"fmt"
	"os"

	"github.com/mingo-build/mingo/sign"
)

// Which cache key a KeyError is about.
const (
	// SignKey is the cosign private key that signs the entries recorded.
	SignKey = "sign"
	// TrustKey is the cosign public key whose signatures a hit needs.
	TrustKey = "trust"
	// TrustIdentity is the keyless identity whose signatures a hit needs
	// (see LoadTrustIdentity); Path is then its trusted root file.
	TrustIdentity = "trust identity"
)

// ErrTrustIncomplete is wrapped by LoadTrustIdentity's error when the
// identity, its issuer or the trusted root is missing: all three are
// needed together.
var ErrTrustIncomplete = errors.New("a keyless trust identity needs the identity, its OIDC issuer and a trusted root")

// ErrTrustConflict is wrapped by CheckTrust's error when both a trust key
// and a keyless identity are named: a cache trusts one or the other.
var ErrTrustConflict = errors.New("a cache trusts either a key or a keyless identity, not both")

// A KeyError is a cache key that cannot be used. A build stops on it
// rather than record unsigned entries or take unchecked ones.
type KeyError struct {
	// Key is SignKey, TrustKey or TrustIdentity; Path is the file (the
	// trusted root for TrustIdentity, maybe "").
	Key, Path string
	// Err says why: it wraps sign.ErrPrivateKey (a private key given as
	// the trust key), os.ErrNotExist, sign.ErrNoPassword (COSIGN_PASSWORD
	// unset), sign.ErrWrongPassword, ErrTrustIncomplete, ErrTrustConflict,
	// sign.ErrTrustedRoot, or another cause.
	Err error
}

func (e *KeyError) Error() string {
	if e.Key == TrustIdentity {
		return fmt.Sprintf("cache trust identity: %v", e.Err)
	}
	if errors.Is(e.Err, sign.ErrNoPassword) {
		return fmt.Sprintf("cache %s key %s: %v", e.Key, e.Path, e.Err)
	}
	return fmt.Sprintf("cache %s key: %v", e.Key, e.Err) // e.Err names the path
}

func (e *KeyError) Unwrap() error { return e.Err }

// LoadTrustKey loads the cache's trust root, the cosign public key file
// at path.
func LoadTrustKey(path string) (*sign.PublicKey, error) {
	k, err := sign.LoadPublicKey(path)
	if err != nil {
		return nil, &KeyError{Key: TrustKey, Path: path, Err: err}
	}
	return k, nil
}

// CheckTrust returns a *KeyError wrapping ErrTrustConflict when both a
// trust key (keyPath) and any part of a keyless identity (trustedRoot,
// identity, issuer) are named: which entries are hits must have a single
// answer, not the union of two trust roots.
func CheckTrust(keyPath, trustedRoot, identity, issuer string) error {
	if keyPath != "" && (trustedRoot != "" || identity != "" || issuer != "") {
		return &KeyError{Key: TrustIdentity, Path: trustedRoot, Err: ErrTrustConflict}
	}
	return nil
}

// LoadTrustIdentity loads the cache's keyless trust root: signatures by
// identity, as issued by issuer, under the Sigstore trusted root file
// trustedRoot (see sign.LoadIdentity). All three are needed; the error is
// a *KeyError.
func LoadTrustIdentity(trustedRoot, identity, issuer string) (*sign.Identity, error) {
	if trustedRoot == "" || identity == "" || issuer == "" {
		return nil, &KeyError{Key: TrustIdentity, Path: trustedRoot, Err: ErrTrustIncomplete}
	}
	v, err := sign.LoadIdentity(trustedRoot, identity, issuer)
	if err != nil {
		return nil, &KeyError{Key: TrustIdentity, Path: trustedRoot, Err: err}
	}
	return v, nil
}

// LoadSignKey loads the key that signs the cache's entries, the cosign
// private key file at path; like mingo build --key, its passphrase is in
// COSIGN_PASSWORD, which must be set (empty for none).
func LoadSignKey(path string) (*sign.Signer, error) {
	password, ok := os.LookupEnv(sign.PasswordEnv)
	if !ok {
		return nil, &KeyError{Key: SignKey, Path: path, Err: sign.ErrNoPassword}
	}
	s, err := sign.LoadKey(path, []byte(password))
	if err != nil {
		return nil, &KeyError{Key: SignKey, Path: path, Err: err}
	}
	return s, nil
}
