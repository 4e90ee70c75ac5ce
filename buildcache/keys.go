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
)

// A KeyError is a cache key that cannot be used. A build stops on it
// rather than record unsigned entries or take unchecked ones.
type KeyError struct {
	// Key is SignKey or TrustKey; Path is the file.
	Key, Path string
	// Err says why: it wraps sign.ErrPrivateKey (a private key given as
	// the trust key), os.ErrNotExist, sign.ErrNoPassword (COSIGN_PASSWORD
	// unset), sign.ErrWrongPassword, or another cause.
	Err error
}

func (e *KeyError) Error() string {
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
