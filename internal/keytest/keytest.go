// Package keytest makes the cosign key pairs that tests sign and verify
// with, as `mingo generate-key` writes them.
package keytest

import (
	"path/filepath"
	"testing"

	"github.com/mingo-build/mingo/sign"
)

// Password is the passphrase of the private keys Files writes.
const Password = "pw"

// Files writes a cosign key pair into a new temporary directory and
// returns its private and public key files.
func Files(tb testing.TB) (priv, pub string) {
	tb.Helper()
	dir := tb.TempDir()
	if err := sign.GenerateKeyPair(dir, []byte(Password)); err != nil {
		tb.Fatal(err)
	}
	return filepath.Join(dir, sign.PrivateKeyFile), filepath.Join(dir, sign.PublicKeyFile)
}

// Pair is a key pair of Files, loaded from its files as mingo loads them.
func Pair(tb testing.TB) (*sign.Signer, *sign.PublicKey) {
	tb.Helper()
	priv, pub := Files(tb)
	s, err := sign.LoadKey(priv, []byte(Password))
	if err != nil {
		tb.Fatal(err)
	}
	p, err := sign.LoadPublicKey(pub)
	if err != nil {
		tb.Fatal(err)
	}
	return s, p
}
