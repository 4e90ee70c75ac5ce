// Package sigstoretest provides in-process stand-ins for the two Sigstore
// services keyless signing talks to, for tests that must not reach the
// public-good instances: a Fulcio certificate authority (the v2
// signingCert API) and a Rekor transparency log (log info and entry
// upload). Both speak the real wire formats: Rekor entries are parsed and
// canonicalized with Rekor's own types and get a signed entry timestamp
// that cosign verifies with the log's public key.
package sigstoretest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/cyberphone/json-canonicalization/go/src/webpki.org/jsoncanonicalizer"
	"github.com/go-openapi/runtime"
	"github.com/sigstore/cosign/v2/pkg/cosign"
	cbundle "github.com/sigstore/cosign/v2/pkg/cosign/bundle"
	"github.com/sigstore/rekor/pkg/generated/models"
	rtypes "github.com/sigstore/rekor/pkg/types"
	_ "github.com/sigstore/rekor/pkg/types/dsse/v0.0.1"         // the kind cosign attest uploads
	_ "github.com/sigstore/rekor/pkg/types/hashedrekord/v0.0.1" // the kind cosign sign uploads
	"github.com/sigstore/sigstore/pkg/cryptoutils"
)

// oidIssuer is Fulcio's certificate extension for the OIDC issuer.
var oidIssuer = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 1}

// Fulcio issues ten-minute code-signing certificates for one identity (a
// URI SAN) and issuer from a root made for the test, to callers presenting
// the expected token. It serves POST /api/v2/signingCert.
type Fulcio struct {
	tb               testing.TB
	token            string
	identity, issuer string
	RootCert         *x509.Certificate
	RootPEM          []byte
	rootKey          *ecdsa.PrivateKey

	mu    sync.Mutex
	calls int
	fail  bool
}

// NewFulcio returns a Fulcio that accepts token and certifies identity as
// issued by issuer.
func NewFulcio(tb testing.TB, token, identity, issuer string) *Fulcio {
	key := newKey(tb)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "test fulcio root", Organization: []string{"mingo-test"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		tb.Fatal(err)
	}
	root, err := x509.ParseCertificate(der)
	if err != nil {
		tb.Fatal(err)
	}
	rootPEM, err := cryptoutils.MarshalCertificateToPEM(root)
	if err != nil {
		tb.Fatal(err)
	}
	return &Fulcio{tb: tb, token: token, identity: identity, issuer: issuer, RootCert: root, RootPEM: rootPEM, rootKey: key}
}

// Calls returns how many requests the Fulcio got.
func (f *Fulcio) Calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

// SetFail makes the Fulcio refuse (403) every request, or stop refusing.
func (f *Fulcio) SetFail(fail bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail = fail
}

// ServeHTTP implements the signingCert API.
func (f *Fulcio) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.calls++
	fail := f.fail
	f.mu.Unlock()
	if fail {
		http.Error(w, `{"code":7,"message":"permission denied"}`, http.StatusForbidden)
		return
	}
	if r.Method != http.MethodPost || r.URL.Path != "/api/v2/signingCert" {
		f.tb.Errorf("fake Fulcio: unexpected %s %s", r.Method, r.URL.Path)
		http.NotFound(w, r)
		return
	}
	if got := r.Header.Get("Authorization"); got != "Bearer "+f.token {
		f.tb.Errorf("fake Fulcio: Authorization %q", got)
	}
	var req struct {
		Credentials struct {
			OIDCIdentityToken string `json:"oidcIdentityToken"`
		} `json:"credentials"`
		CertificateSigningRequest []byte `json:"certificateSigningRequest"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		f.tb.Errorf("fake Fulcio: %v", err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if req.Credentials.OIDCIdentityToken != f.token {
		f.tb.Errorf("fake Fulcio: token %q, want %q", req.Credentials.OIDCIdentityToken, f.token)
		http.Error(w, `{"code":16,"message":"bad token"}`, http.StatusUnauthorized)
		return
	}
	csr, err := cryptoutils.ParseCSR(req.CertificateSigningRequest)
	if err == nil {
		err = csr.CheckSignature()
	}
	if err != nil {
		f.tb.Errorf("fake Fulcio: CSR: %v", err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	leafPEM, err := f.issue(csr.PublicKey)
	if err != nil {
		f.tb.Error(err)
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	fmt.Fprintf(w, `{"signedCertificateEmbeddedSct":{"chain":{"certificates":[%q,%q]}}}`, leafPEM, f.RootPEM)
}

// issue returns a PEM leaf certificate for pub.
func (f *Fulcio) issue(pub any) ([]byte, error) {
	san, err := url.Parse(f.identity)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:    big.NewInt(time.Now().UnixNano()),
		NotBefore:       time.Now().Add(-time.Minute),
		NotAfter:        time.Now().Add(10 * time.Minute),
		URIs:            []*url.URL{san},
		KeyUsage:        x509.KeyUsageDigitalSignature,
		ExtKeyUsage:     []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
		ExtraExtensions: []pkix.Extension{{Id: oidIssuer, Value: []byte(f.issuer)}},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, f.RootCert, pub, f.rootKey)
	if err != nil {
		return nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return cryptoutils.MarshalCertificateToPEM(leaf)
}

// Rekor accepts entries on POST /api/v1/log/entries, canonicalizes them with
// Rekor's own types as the real server does, and returns a log entry with a
// signed entry timestamp made with its key. GET /api/v1/log answers with the
// log's state.
type Rekor struct {
	tb    testing.TB
	Key   *ecdsa.PrivateKey
	LogID string

	mu     sync.Mutex
	kinds  []string
	bodies [][]byte
	fail   bool
}

// NewRekor returns an empty log with a new key.
func NewRekor(tb testing.TB) *Rekor {
	key := newKey(tb)
	id, err := cosign.GetTransparencyLogID(key.Public())
	if err != nil {
		tb.Fatal(err)
	}
	return &Rekor{tb: tb, Key: key, LogID: id}
}

// PublicKeyPEM returns the log's public key, as SIGSTORE_REKOR_PUBLIC_KEY
// wants it for the cosign CLI.
func (f *Rekor) PublicKeyPEM() []byte {
	b, err := cryptoutils.MarshalPublicKeyToPEM(f.Key.Public())
	if err != nil {
		f.tb.Fatal(err)
	}
	return b
}

// SetFail makes uploads fail (500), or stop failing.
func (f *Rekor) SetFail(fail bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail = fail
}

// Entries returns the kind (hashedrekord, dsse, ...) and the canonical
// body of every entry, in upload order.
func (f *Rekor) Entries() (kinds []string, bodies [][]byte) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.kinds...), append([][]byte(nil), f.bodies...)
}

// ServeHTTP implements the two endpoints.
func (f *Rekor) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/api/v1/log":
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"rootHash":"%064x","signedTreeHead":"","treeID":"1","treeSize":%d}`, 0, len(f.bodies))
	case r.Method == http.MethodPost && r.URL.Path == "/api/v1/log/entries":
		if f.fail {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprint(w, `{"code":500,"message":"log is down"}`)
			return
		}
		f.upload(w, r)
	default:
		f.tb.Errorf("fake Rekor: unexpected %s %s", r.Method, r.URL.Path)
		http.NotFound(w, r)
	}
}

// upload records a proposed entry; f.mu is held.
func (f *Rekor) upload(w http.ResponseWriter, r *http.Request) {
	pe, err := models.UnmarshalProposedEntry(r.Body, runtime.JSONConsumer())
	if err != nil {
		f.tb.Errorf("fake Rekor: %v", err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	e, err := rtypes.UnmarshalEntry(pe)
	if err != nil {
		f.tb.Errorf("fake Rekor: %v", err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	body, err := rtypes.CanonicalizeEntry(r.Context(), e)
	if err != nil {
		f.tb.Errorf("fake Rekor: %v", err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	f.kinds = append(f.kinds, pe.Kind())
	f.bodies = append(f.bodies, body)
	idx := int64(len(f.bodies) - 1)
	now := time.Now().Unix()
	b64 := base64.StdEncoding.EncodeToString(body)
	payload, err := json.Marshal(cbundle.RekorPayload{Body: b64, IntegratedTime: now, LogIndex: idx, LogID: f.LogID})
	if err != nil {
		f.tb.Error(err)
	}
	canon, err := jsoncanonicalizer.Transform(payload)
	if err != nil {
		f.tb.Error(err)
	}
	h := sha256.Sum256(canon)
	set, err := ecdsa.SignASN1(rand.Reader, f.Key, h[:])
	if err != nil {
		f.tb.Error(err)
	}
	uuid := sha256.Sum256(body)
	resp := map[string]any{hex.EncodeToString(uuid[:]): map[string]any{
		"body": b64, "integratedTime": now, "logID": f.LogID, "logIndex": idx,
		"verification": map[string]any{"signedEntryTimestamp": set},
	}}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Location", "/api/v1/log/entries/"+hex.EncodeToString(uuid[:]))
	w.WriteHeader(http.StatusCreated)
	json.NewEncoder(w).Encode(resp)
}

// TrustedRoot returns a Sigstore trusted_root.json, as `cosign verify
// --trusted-root` reads it, that trusts f's root certificate and r's log
// key, both valid from an hour ago.
func TrustedRoot(tb testing.TB, f *Fulcio, r *Rekor) []byte {
	der, err := x509.MarshalPKIXPublicKey(r.Key.Public())
	if err != nil {
		tb.Fatal(err)
	}
	id, err := hex.DecodeString(r.LogID)
	if err != nil {
		tb.Fatal(err)
	}
	start := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	root := map[string]any{
		"mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
		"tlogs": []any{map[string]any{
			"baseUrl":       "https://rekor.example",
			"hashAlgorithm": "SHA2_256",
			"publicKey": map[string]any{
				"rawBytes":   der,
				"keyDetails": "PKIX_ECDSA_P256_SHA_256",
				"validFor":   map[string]string{"start": start},
			},
			"logId": map[string]any{"keyId": id},
		}},
		"certificateAuthorities": []any{map[string]any{
			"subject":   map[string]string{"organization": "mingo-test", "commonName": "test fulcio root"},
			"uri":       "https://fulcio.example",
			"certChain": map[string]any{"certificates": []any{map[string]any{"rawBytes": f.RootCert.Raw}}},
			"validFor":  map[string]string{"start": start},
		}},
	}
	b, err := json.MarshalIndent(root, "", "  ")
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func newKey(tb testing.TB) *ecdsa.PrivateKey {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	return key
}
