package sign

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"testing"

	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/sigstore/sigstore/pkg/signature/options"
)

// keySigner signs as sigstore's signers do, for every kind of key: what
// cosign loads from its key files (LoadDefaultSignerVerifier with
// Ed25519ph), and what LoadSignerVerifier makes of a key in memory. Each
// verifies the other's signatures.
func TestKeySignerMatchesSigstore(t *testing.T) {
	keys := map[string]crypto.Signer{}
	for name, c := range map[string]elliptic.Curve{"P-256": elliptic.P256(), "P-384": elliptic.P384(), "P-521": elliptic.P521()} {
		k, err := ecdsa.GenerateKey(c, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		keys[name] = k
	}
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	_, ek, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	keys["RSA-2048"], keys["Ed25519"] = rk, ek
	msg := []byte(`{"critical":{}}`)
	for name, k := range keys {
		for _, curveHash := range []bool{true, false} {
			ours, err := newKeySigner(k, curveHash)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			var theirs signature.SignerVerifier
			if curveHash {
				theirs, err = signature.LoadDefaultSignerVerifier(k, options.WithED25519ph())
			} else {
				theirs, err = signature.LoadSignerVerifier(k, crypto.SHA256)
			}
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			sig, err := ours.SignMessage(msg)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if err := theirs.VerifySignature(bytes.NewReader(sig), bytes.NewReader(msg)); err != nil {
				t.Errorf("%s (curve hash %v): sigstore rejects our signature: %v", name, curveHash, err)
			}
			sig, err = theirs.SignMessage(bytes.NewReader(msg))
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if err := ours.VerifySignature(sig, msg); err != nil {
				t.Errorf("%s (curve hash %v): we reject sigstore's signature: %v", name, curveHash, err)
			}
			if err := ours.VerifySignature(sig, append(msg, ' ')); err == nil {
				t.Errorf("%s (curve hash %v): a signature of another message verifies", name, curveHash)
			}
		}
	}
}
