package sign

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// ErrTrustedRoot is wrapped by LoadIdentity's error for a trusted root
// file that cannot be used.
var ErrTrustedRoot = errors.New("not a usable Sigstore trusted root")

// Fulcio's certificate extensions for the OIDC issuer: the first holds
// the bare string, the second (which replaces it) a DER UTF8String.
var (
	oidIssuerV1 = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 1}
	oidIssuerV2 = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 8}
)

// Identity checks keyless signatures (Keyless): those made with a Fulcio
// certificate for one identity and OIDC issuer and recorded in a Rekor
// transparency log, as
//
//	cosign verify --trusted-root FILE --certificate-identity ID --certificate-oidc-issuer ISSUER
//
// does, offline: the certificate authorities and log keys come from a
// Sigstore trusted root, and the time a certificate must have been valid
// at is the log's signed entry timestamp (the signature's Rekor bundle).
type Identity struct {
	identity, issuer string
	cas              []trustedCA
	tlogs            map[string]trustedLog // by log ID (hex)
}

// trustedCA is a certificate authority of a trusted root: its root
// certificates, its intermediates, and when it issued certificates.
type trustedCA struct {
	roots, intermediates *x509.CertPool
	validFor             validity
}

// trustedLog is a transparency log key of a trusted root.
type trustedLog struct {
	pub      crypto.PublicKey
	validFor validity
}

// validity is a trusted root's validFor: a zero end is open.
type validity struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

func (v validity) contains(t time.Time) bool {
	return !t.Before(v.Start) && (v.End.IsZero() || t.Before(v.End))
}

// trustedRootFile is the part of a Sigstore trusted_root.json (the
// protobuf-specs TrustedRoot, in its JSON form) Identity reads.
type trustedRootFile struct {
	Tlogs []struct {
		PublicKey struct {
			RawBytes []byte   `json:"rawBytes"`
			ValidFor validity `json:"validFor"`
		} `json:"publicKey"`
		LogID struct {
			KeyID []byte `json:"keyId"`
		} `json:"logId"`
	} `json:"tlogs"`
	CertificateAuthorities []struct {
		CertChain struct {
			Certificates []struct {
				RawBytes []byte `json:"rawBytes"`
			} `json:"certificates"`
		} `json:"certChain"`
		ValidFor validity `json:"validFor"`
	} `json:"certificateAuthorities"`
}

// LoadIdentity returns the Identity that accepts signatures by identity
// (a certificate's email or URI subject alternative name) as issued by
// issuer (the OIDC issuer URL, such as
// https://token.actions.githubusercontent.com), under the certificate
// authorities and transparency logs of trustedRootPath, a Sigstore
// trusted_root.json (as `cosign trusted-root create` writes it). A file
// that holds no certificate authority or no log is an error wrapping
// ErrTrustedRoot.
func LoadIdentity(trustedRootPath, identity, issuer string) (*Identity, error) {
	if identity == "" || issuer == "" {
		return nil, errors.New("sign: a keyless identity needs both the identity and its OIDC issuer")
	}
	b, err := os.ReadFile(trustedRootPath)
	if err != nil {
		return nil, fmt.Errorf("sign: reading the trusted root: %w", err)
	}
	var f trustedRootFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("sign: %s %w: %v", trustedRootPath, ErrTrustedRoot, err)
	}
	v := &Identity{identity: identity, issuer: issuer, tlogs: map[string]trustedLog{}}
	if err := v.addLogs(&f); err != nil {
		return nil, fmt.Errorf("sign: %s %w: %v", trustedRootPath, ErrTrustedRoot, err)
	}
	if err := v.addCAs(&f); err != nil {
		return nil, fmt.Errorf("sign: %s %w: %v", trustedRootPath, ErrTrustedRoot, err)
	}
	return v, nil
}

// addLogs reads the transparency log keys of f.
func (v *Identity) addLogs(f *trustedRootFile) error {
	for i, l := range f.Tlogs {
		pub, err := x509.ParsePKIXPublicKey(l.PublicKey.RawBytes)
		if err != nil {
			return fmt.Errorf("tlogs[%d]: public key: %v", i, err)
		}
		id := l.LogID.KeyID
		if len(id) == 0 {
			sum := sha256.Sum256(l.PublicKey.RawBytes)
			id = sum[:]
		}
		v.tlogs[hex.EncodeToString(id)] = trustedLog{pub: pub, validFor: l.PublicKey.ValidFor}
	}
	if len(v.tlogs) == 0 {
		return errors.New("no transparency log (tlogs)")
	}
	return nil
}

// addCAs reads the certificate authorities of f: the last certificate of
// each chain is its root, the others intermediates.
func (v *Identity) addCAs(f *trustedRootFile) error {
	for i, ca := range f.CertificateAuthorities {
		certs := ca.CertChain.Certificates
		if len(certs) == 0 {
			continue
		}
		t := trustedCA{roots: x509.NewCertPool(), intermediates: x509.NewCertPool(), validFor: ca.ValidFor}
		for j, c := range certs {
			cert, err := x509.ParseCertificate(c.RawBytes)
			if err != nil {
				return fmt.Errorf("certificateAuthorities[%d] certificate %d: %v", i, j, err)
			}
			if j == len(certs)-1 {
				t.roots.AddCert(cert)
			} else {
				t.intermediates.AddCert(cert)
			}
		}
		v.cas = append(v.cas, t)
	}
	if len(v.cas) == 0 {
		return errors.New("no certificate authority (certificateAuthorities)")
	}
	return nil
}

// String names the identity and its issuer.
func (v *Identity) String() string {
	return fmt.Sprintf("identity %s (issuer %s)", v.identity, v.issuer)
}

// Verify checks that the manifest at digest carries a keyless signature by
// v's identity: a layer of the image tagged sha256-<hex>.sig in its
// repository whose simple signing payload names digest, with a certificate
// that one of v's certificate authorities issued for the identity and
// issuer, valid when the log integrated the entry, a Rekor bundle that one
// of v's logs signed for this signature, certificate and payload, and a
// signature of the payload by the certificate's key. The error wraps
// ErrNotSigned when there is no such signature.
func (v *Identity) Verify(ctx context.Context, digest name.Digest, opts ...remote.Option) error {
	tag, last, err := verifyLayers(ctx, digest, opts, v.check)
	if tag == "" || err == nil {
		return err
	}
	if last != nil {
		return fmt.Errorf("%w by %s in %s: %v", ErrNotSigned, v, tag, last)
	}
	return fmt.Errorf("%w by %s in %s", ErrNotSigned, v, tag)
}

// check verifies one signature layer, of annotations ann, over payload.
func (v *Identity) check(ann map[string]string, payload []byte) error {
	sig, err := base64.StdEncoding.DecodeString(ann[signatureAnnotation])
	if err != nil {
		return errors.New("bad signature annotation")
	}
	if ann[certificateAnnotation] == "" {
		return errors.New("no certificate (a signature by a key)")
	}
	certs, err := parseCertificates([]byte(ann[certificateAnnotation]))
	if err != nil || len(certs) != 1 {
		return errors.New("bad certificate annotation")
	}
	leaf := certs[0]
	integrated, err := v.checkBundle(ann[bundleAnnotation], leaf, sig, payload)
	if err != nil {
		return err
	}
	if err := v.checkCertificate(leaf, integrated); err != nil {
		return err
	}
	if err := verifyMessage(leaf.PublicKey, crypto.SHA256, false, sig, payload); err != nil {
		return fmt.Errorf("the signature does not verify with the certificate's key: %v", err)
	}
	return nil
}

// checkBundle verifies the Rekor bundle bundleJSON (the bundle annotation): its
// signed entry timestamp by one of v's logs, valid then, and its entry,
// which must record sig over payload by leaf. It returns the time the log
// integrated the entry.
func (v *Identity) checkBundle(bundleJSON string, leaf *x509.Certificate, sig, payload []byte) (time.Time, error) {
	if bundleJSON == "" {
		return time.Time{}, errors.New("no Rekor bundle (not recorded in a transparency log)")
	}
	var b rekorBundle
	if err := json.Unmarshal([]byte(bundleJSON), &b); err != nil {
		return time.Time{}, errors.New("bad Rekor bundle")
	}
	log, ok := v.tlogs[b.Payload.LogID]
	if !ok {
		return time.Time{}, fmt.Errorf("the Rekor bundle is from log %q, not one of the trusted root", b.Payload.LogID)
	}
	body, ok := b.Payload.Body.(string)
	entry, err := base64.StdEncoding.DecodeString(body)
	if !ok || err != nil {
		return time.Time{}, errors.New("bad Rekor bundle body")
	}
	// The payload of the signed entry timestamp, in RFC 8785 canonical
	// JSON: the keys sorted, body base64 and logID hex need no escaping.
	canon := `{"body":"` + body + `","integratedTime":` + strconv.FormatInt(b.Payload.IntegratedTime, 10) +
		`,"logID":"` + b.Payload.LogID + `","logIndex":` + strconv.FormatInt(b.Payload.LogIndex, 10) + `}`
	if verifyMessage(log.pub, crypto.SHA256, true, b.SignedEntryTimestamp, []byte(canon)) != nil {
		return time.Time{}, errors.New("the Rekor bundle's signed entry timestamp does not verify with the log's key")
	}
	integrated := time.Unix(b.Payload.IntegratedTime, 0)
	if !log.validFor.contains(integrated) {
		return time.Time{}, fmt.Errorf("the log's key was not valid at %s", integrated.UTC().Format(time.RFC3339))
	}
	if err := checkEntry(entry, leaf, sig, payload); err != nil {
		return time.Time{}, err
	}
	return integrated, nil
}

// checkEntry checks that entry, a hashedrekord log entry, records sig over
// payload by leaf's key.
func checkEntry(entry []byte, leaf *x509.Certificate, sig, payload []byte) error {
	var e struct {
		Kind string `json:"kind"`
		Spec struct {
			Data struct {
				Hash struct{ Algorithm, Value string }
			}
			Signature struct {
				Content   []byte
				PublicKey struct{ Content []byte }
			}
		}
	}
	if json.Unmarshal(entry, &e) != nil || e.Kind != "hashedrekord" {
		return errors.New("the Rekor bundle is not for a hashedrekord entry")
	}
	sum := sha256.Sum256(payload)
	certs, err := parseCertificates(e.Spec.Signature.PublicKey.Content)
	switch {
	case e.Spec.Data.Hash.Algorithm != "sha256" || e.Spec.Data.Hash.Value != hex.EncodeToString(sum[:]):
		return errors.New("the Rekor bundle is for another payload")
	case !bytes.Equal(e.Spec.Signature.Content, sig):
		return errors.New("the Rekor bundle is for another signature")
	case err != nil || len(certs) != 1 || !certs[0].Equal(leaf):
		return errors.New("the Rekor bundle is for another certificate")
	}
	return nil
}

// checkCertificate checks that leaf chains to one of v's certificate
// authorities at t, for code signing, and certifies v's identity and
// issuer.
func (v *Identity) checkCertificate(leaf *x509.Certificate, t time.Time) error {
	chained := false
	for _, ca := range v.cas {
		if !ca.validFor.contains(t) {
			continue
		}
		_, err := leaf.Verify(x509.VerifyOptions{
			Roots: ca.roots, Intermediates: ca.intermediates, CurrentTime: t,
			KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
		})
		if err == nil {
			chained = true
			break
		}
	}
	if !chained {
		return fmt.Errorf("the certificate does not chain to a certificate authority of the trusted root at %s", t.UTC().Format(time.RFC3339))
	}
	if !hasSAN(leaf, v.identity) {
		return fmt.Errorf("the certificate is for another identity %v", append(append([]string(nil), leaf.EmailAddresses...), uriStrings(leaf)...))
	}
	if iss := certIssuer(leaf); iss != v.issuer {
		return fmt.Errorf("the certificate's identity was issued by %q", iss)
	}
	return nil
}

// hasSAN reports whether c's email or URI subject alternative names hold id.
func hasSAN(c *x509.Certificate, id string) bool {
	for _, e := range c.EmailAddresses {
		if e == id {
			return true
		}
	}
	for _, u := range uriStrings(c) {
		if u == id {
			return true
		}
	}
	return false
}

func uriStrings(c *x509.Certificate) []string {
	var s []string
	for _, u := range c.URIs {
		s = append(s, u.String())
	}
	return s
}

// certIssuer returns the OIDC issuer a Fulcio certificate names: its
// 1.3.6.1.4.1.57264.1.8 extension (a DER UTF8String) or else its older
// 1.3.6.1.4.1.57264.1.1 (the bare string); "" when it has neither or
// the first is malformed.
func certIssuer(c *x509.Certificate) string {
	v1 := ""
	for _, ext := range c.Extensions {
		switch {
		case ext.Id.Equal(oidIssuerV2):
			var s string
			if rest, err := asn1.UnmarshalWithParams(ext.Value, &s, "utf8"); err != nil || len(rest) != 0 {
				return ""
			}
			return s
		case ext.Id.Equal(oidIssuerV1):
			v1 = string(ext.Value)
		}
	}
	return v1
}
