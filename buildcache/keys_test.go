package buildcache

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/mingo-build/mingo/internal/keytest"
	"github.com/mingo-build/mingo/sign"
)

// A cache key that cannot be used is a KeyError that says which key, which
// file, and why.
func TestLoadKeys(t *testing.T) {
	priv, pub := keytest.Files(t)
	dir := filepath.Dir(priv)
	trust := func(p string) func() error { return func() error { _, err := LoadTrustKey(p); return err } }
	signer := func(p string) func() error { return func() error { _, err := LoadSignKey(p); return err } }
	for _, tc := range []struct {
		name     string
		load     func() error
		password string // "-" for none
		key      string
		path     string
		cause    error // nil: any
	}{
		{"private key as trust key", trust(priv), "pw", TrustKey, priv, sign.ErrPrivateKey},
		{"missing trust key", trust(filepath.Join(dir, "nope.pub")), "pw", TrustKey, filepath.Join(dir, "nope.pub"), os.ErrNotExist},
		{"wrong passphrase", signer(priv), "wrong", SignKey, priv, sign.ErrWrongPassword},
		{"no passphrase", signer(priv), "-", SignKey, priv, sign.ErrNoPassword},
		{"missing sign key", signer(filepath.Join(dir, "nope.key")), "pw", SignKey, filepath.Join(dir, "nope.key"), os.ErrNotExist},
		{"public key as sign key", signer(pub), "pw", SignKey, pub, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(sign.PasswordEnv, tc.password)
			if tc.password == "-" {
				os.Unsetenv(sign.PasswordEnv)
			}
			err := tc.load()
			var ke *KeyError
			if !errors.As(err, &ke) || ke.Key != tc.key || ke.Path != tc.path || (tc.cause != nil && !errors.Is(err, tc.cause)) {
				t.Errorf("error %v (%#v), want a KeyError for the %s key %s wrapping %v", err, ke, tc.key, tc.path, tc.cause)
			}
		})
	}
	t.Setenv(sign.PasswordEnv, "pw")
	if _, err := LoadSignKey(priv); err != nil {
		t.Errorf("good sign key: %v", err)
	}
	if _, err := LoadTrustKey(pub); err != nil {
		t.Errorf("good trust key: %v", err)
	}
}
