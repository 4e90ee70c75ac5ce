package sign

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"

	"github.com/secure-systems-lab/go-securesystemslib/encrypted"
)

// The PEM block types of cosign's password-encrypted private keys: cosign
// writes the first, and reads both.
const (
	sigstorePrivateKeyPEM = "ENCRYPTED SIGSTORE PRIVATE KEY"
	cosignPrivateKeyPEM   = "ENCRYPTED COSIGN PRIVATE KEY"
)

// keySigner signs and verifies the way cosign does for each kind of key
// (sigstore's signature.LoadDefaultSignerVerifier with cosign's options):
// ECDSA with the hash that fits the curve, RSA PKCS#1 v1.5 with SHA-256,
// and Ed25519ph. It is written here, not imported, because the sigstore
// libraries bring about 400 packages into mingo's build for these few lines.
type keySigner struct {
	priv crypto.Signer
	hash crypto.Hash // the message digest (ECDSA, RSA, Ed25519ph)
	pure bool        // Ed25519 over the message itself, not Ed25519ph
}

// newKeySigner returns the signer for key, or an error for a key kind cosign
// does not sign with. With curveHash, as for cosign's own key files, ECDSA
// hashes with the digest that fits the curve and Ed25519 is Ed25519ph;
// otherwise, as for keys handed over in memory (sigstore's
// signature.LoadSignerVerifier with SHA-256), every key hashes with SHA-256
// and Ed25519 signs the message.
func newKeySigner(key crypto.PrivateKey, curveHash bool) (*keySigner, error) {
	switch k := key.(type) {
	case *ecdsa.PrivateKey:
		h := crypto.SHA256
		if curveHash {
			switch k.Curve {
			case elliptic.P384():
				h = crypto.SHA384
			case elliptic.P521():
				h = crypto.SHA512
			}
		}
		return &keySigner{priv: k, hash: h}, nil
	case *rsa.PrivateKey:
		return &keySigner{priv: k, hash: crypto.SHA256}, nil
	case ed25519.PrivateKey:
		return &keySigner{priv: k, hash: crypto.SHA512, pure: !curveHash}, nil
	case *ed25519.PrivateKey:
		return &keySigner{priv: *k, hash: crypto.SHA512, pure: !curveHash}, nil
	}
	return nil, fmt.Errorf("unsupported private key type %T", key)
}

// digest hashes msg with s's hash.
func (s *keySigner) digest(msg []byte) []byte { return hashMessage(s.hash, msg) }

// hashMessage hashes msg with h (SHA-256, SHA-384 or SHA-512).
func hashMessage(h crypto.Hash, msg []byte) []byte {
	switch h {
	case crypto.SHA384:
		d := sha512.Sum384(msg)
		return d[:]
	case crypto.SHA512:
		d := sha512.Sum512(msg)
		return d[:]
	}
	d := sha256.Sum256(msg)
	return d[:]
}

// SignMessage signs msg: ECDSA signatures are ASN.1, Ed25519 ones Ed25519ph.
func (s *keySigner) SignMessage(msg []byte) ([]byte, error) {
	if s.pure {
		return s.priv.Sign(rand.Reader, msg, crypto.Hash(0))
	}
	var opts crypto.SignerOpts = s.hash
	if _, ok := s.priv.(ed25519.PrivateKey); ok {
		opts = &ed25519.Options{Hash: crypto.SHA512}
	}
	return s.priv.Sign(rand.Reader, s.digest(msg), opts)
}

// VerifySignature reports whether sig is s's key's signature of msg.
func (s *keySigner) VerifySignature(sig, msg []byte) error {
	return verifyMessage(s.priv.Public(), s.hash, s.pure, sig, msg)
}

// verifyMessage reports whether sig is pub's signature of msg, made the
// way keySigner signs with hash (and pure, for Ed25519).
func verifyMessage(pub crypto.PublicKey, hash crypto.Hash, pure bool, sig, msg []byte) error {
	d := hashMessage(hash, msg)
	ok := false
	switch pub := pub.(type) {
	case *ecdsa.PublicKey:
		ok = ecdsa.VerifyASN1(pub, d, sig)
	case *rsa.PublicKey:
		ok = rsa.VerifyPKCS1v15(pub, hash, d, sig) == nil
	case ed25519.PublicKey:
		if pure {
			ok = ed25519.Verify(pub, msg, sig)
		} else {
			ok = ed25519.VerifyWithOptions(pub, d, sig, &ed25519.Options{Hash: crypto.SHA512}) == nil
		}
	}
	if !ok {
		return errors.New("invalid signature")
	}
	return nil
}

// PublicKey returns the key's public half.
func (s *keySigner) PublicKey() (crypto.PublicKey, error) { return s.priv.Public(), nil }

// publicKeyPEM encodes pub as a PEM "PUBLIC KEY" block, as cosign.pub holds.
func publicKeyPEM(pub crypto.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

// generateCosignKeys makes an ECDSA P-256 key pair, as `cosign
// generate-key-pair` does, and returns the private key encrypted with
// password (scrypt and secretbox, in cosign's PEM format) and the public key.
func generateCosignKeys(password []byte) (privPEM, pubPEM []byte, err error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, nil, err
	}
	enc, err := encrypted.Encrypt(der, password)
	if err != nil {
		return nil, nil, err
	}
	if pubPEM, err = publicKeyPEM(priv.Public()); err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: sigstorePrivateKeyPEM, Bytes: enc}), pubPEM, nil
}

// errDecrypt is a cosign key that password does not decrypt.
var errDecrypt = errors.New("decrypt: the password does not open the key")

// loadCosignKey decrypts a private key in cosign's format.
func loadCosignKey(pemBytes, password []byte) (*keySigner, error) {
	b, _ := pem.Decode(pemBytes)
	if b == nil {
		return nil, errors.New("invalid pem block")
	}
	if b.Type != sigstorePrivateKeyPEM && b.Type != cosignPrivateKeyPEM {
		return nil, fmt.Errorf("unsupported pem type: %s", b.Type)
	}
	der, err := encrypted.Decrypt(b.Bytes, password)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errDecrypt, err)
	}
	key, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("parsing private key: %w", err)
	}
	return newKeySigner(key, true)
}

// isEncryptedKey reports whether pemBytes is a private key in cosign's
// password-encrypted format.
func isEncryptedKey(pemBytes []byte) bool {
	b, _ := pem.Decode(pemBytes)
	return b != nil && (b.Type == sigstorePrivateKeyPEM || b.Type == cosignPrivateKeyPEM)
}

// parseCertificates parses the PEM certificates in b.
func parseCertificates(b []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	for {
		var blk *pem.Block
		blk, b = pem.Decode(bytes.TrimSpace(b))
		if blk == nil {
			break
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, err
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, errors.New("no PEM certificate")
	}
	return certs, nil
}
