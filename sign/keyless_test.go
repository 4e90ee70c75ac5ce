package sign

import (
	"context"
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
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cyberphone/json-canonicalization/go/src/webpki.org/jsoncanonicalizer"
	"github.com/go-openapi/runtime"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/sigstore/cosign/v2/pkg/cosign"
	cbundle "github.com/sigstore/cosign/v2/pkg/cosign/bundle"
	ociremote "github.com/sigstore/cosign/v2/pkg/oci/remote"
	"github.com/sigstore/rekor/pkg/generated/models"
	rtypes "github.com/sigstore/rekor/pkg/types"
	_ "github.com/sigstore/rekor/pkg/types/dsse/v0.0.1"
	_ "github.com/sigstore/rekor/pkg/types/hashedrekord/v0.0.1"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/tuf"
)

const (
	testIdentity = "https://github.com/mingo-build/mingo/.github/workflows/release.yml@refs/heads/main"
	testIssuer   = "https://token.actions.githubusercontent.com"
)

// unsetTokenEnv clears the variables Keyless reads a token from.
func unsetTokenEnv(t *testing.T) {
	t.Helper()
	for _, v := range []string{IDTokenEnv, ActionsTokenURLEnv, ActionsRequestTokenEnv} {
		t.Setenv(v, "")
	}
}

func TestKeylessNoToken(t *testing.T) {
	unsetTokenEnv(t)
	s, err := Keyless(context.Background())
	if s != nil || !errors.Is(err, ErrNoKeyless) {
		t.Fatalf("Keyless = %v, %v; want nil, ErrNoKeyless", s, err)
	}
	for _, want := range []string{"SIGSTORE_ID_TOKEN", "id-token: write", "ACTIONS_ID_TOKEN_REQUEST_URL", "cosign.key"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Keyless error %q does not mention %s", err, want)
		}
	}
	t.Setenv(ActionsTokenURLEnv, "http://127.0.0.1:1/token")
	_, err = Keyless(context.Background(), KeylessOptions{})
	if !errors.Is(err, ErrNoKeyless) || !strings.Contains(err.Error(), ActionsRequestTokenEnv) {
		t.Errorf("Keyless with only %s: %v", ActionsTokenURLEnv, err)
	}
}

// fakeJWT returns an unsigned JWT-shaped token (the fakes do not check it).
func fakeJWT(sub string) string {
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(`{"alg":"none"}`)) + "." + enc([]byte(`{"sub":"`+sub+`","iss":"`+testIssuer+`"}`)) + ".sig"
}

// fakeFulcio is a Fulcio v2 signingCert API issuing certificates for
// testIdentity from a CA made for the test.
type fakeFulcio struct {
	t        *testing.T
	token    string // the token expected
	rootCert *x509.Certificate
	rootPEM  []byte
	rootKey  *ecdsa.PrivateKey
	mu       sync.Mutex
	calls    int
	fail     bool
}

func newFakeFulcio(t *testing.T, token string) *fakeFulcio {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "test fulcio root", Organization: []string{"mingo-test"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	root, _ := x509.ParseCertificate(der)
	rootPEM, _ := cryptoutils.MarshalCertificateToPEM(root)
	return &fakeFulcio{t: t, token: token, rootCert: root, rootPEM: rootPEM, rootKey: key}
}

func (f *fakeFulcio) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.calls++
	fail := f.fail
	f.mu.Unlock()
	if fail {
		http.Error(w, `{"code":7,"message":"permission denied"}`, http.StatusForbidden)
		return
	}
	if r.Method != http.MethodPost || r.URL.Path != "/api/v2/signingCert" {
		f.t.Errorf("fake Fulcio: unexpected %s %s", r.Method, r.URL.Path)
		http.NotFound(w, r)
		return
	}
	if got := r.Header.Get("Authorization"); got != "Bearer "+f.token {
		f.t.Errorf("fake Fulcio: Authorization %q", got)
	}
	var req struct {
		Credentials struct {
			OIDCIdentityToken string `json:"oidcIdentityToken"`
		} `json:"credentials"`
		CertificateSigningRequest []byte `json:"certificateSigningRequest"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		f.t.Errorf("fake Fulcio: %v", err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if req.Credentials.OIDCIdentityToken != f.token {
		f.t.Errorf("fake Fulcio: token %q, want %q", req.Credentials.OIDCIdentityToken, f.token)
	}
	csr, err := cryptoutils.ParseCSR(req.CertificateSigningRequest)
	if err == nil {
		err = csr.CheckSignature()
	}
	if err != nil {
		f.t.Errorf("fake Fulcio: CSR: %v", err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	san, _ := url.Parse(testIdentity)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		NotBefore:    time.Now().Add(-time.Minute),
		NotAfter:     time.Now().Add(10 * time.Minute),
		URIs:         []*url.URL{san},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
		ExtraExtensions: []pkix.Extension{
			{Id: asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 57264, 1, 1}, Value: []byte(testIssuer)},
		},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, f.rootCert, csr.PublicKey, f.rootKey)
	if err != nil {
		f.t.Error(err)
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	leaf, _ := x509.ParseCertificate(der)
	leafPEM, _ := cryptoutils.MarshalCertificateToPEM(leaf)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	fmt.Fprintf(w, `{"signedCertificateEmbeddedSct":{"chain":{"certificates":[%q,%q]}}}`, leafPEM, f.rootPEM)
}

// fakeRekor accepts entries on POST /api/v1/log/entries, canonicalizes
// them with Rekor's own types as the real server does, and returns a log
// entry with a SET signed by a test key.
type fakeRekor struct {
	t       *testing.T
	key     *ecdsa.PrivateKey
	logID   string
	mu      sync.Mutex
	entries []rtypes.EntryImpl
	kinds   []string
	bodies  [][]byte
	fail    bool
}

func newFakeRekor(t *testing.T) *fakeRekor {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	id, err := cosign.GetTransparencyLogID(key.Public())
	if err != nil {
		t.Fatal(err)
	}
	return &fakeRekor{t: t, key: key, logID: id}
}

func (f *fakeRekor) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/api/v1/log/entries" {
		f.t.Errorf("fake Rekor: unexpected %s %s", r.Method, r.URL.Path)
		http.NotFound(w, r)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprint(w, `{"code":500,"message":"log is down"}`)
		return
	}
	pe, err := models.UnmarshalProposedEntry(r.Body, runtime.JSONConsumer())
	if err != nil {
		f.t.Errorf("fake Rekor: %v", err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	e, err := rtypes.UnmarshalEntry(pe)
	if err != nil {
		f.t.Errorf("fake Rekor: %v", err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	body, err := rtypes.CanonicalizeEntry(r.Context(), e)
	if err != nil {
		f.t.Errorf("fake Rekor: %v", err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	f.entries = append(f.entries, e)
	f.kinds = append(f.kinds, pe.Kind())
	f.bodies = append(f.bodies, body)
	idx := int64(len(f.entries) - 1)
	now := time.Now().Unix()
	b64 := base64.StdEncoding.EncodeToString(body)
	payload, _ := json.Marshal(cbundle.RekorPayload{Body: b64, IntegratedTime: now, LogIndex: idx, LogID: f.logID})
	canon, err := jsoncanonicalizer.Transform(payload)
	if err != nil {
		f.t.Error(err)
	}
	h := sha256.Sum256(canon)
	set, err := ecdsa.SignASN1(rand.Reader, f.key, h[:])
	if err != nil {
		f.t.Error(err)
	}
	uuid := sha256.Sum256(body)
	resp := map[string]any{hex.EncodeToString(uuid[:]): map[string]any{
		"body": b64, "integratedTime": now, "logID": f.logID, "logIndex": idx,
		"verification": map[string]any{"signedEntryTimestamp": set},
	}}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Location", "/api/v1/log/entries/"+hex.EncodeToString(uuid[:]))
	w.WriteHeader(http.StatusCreated)
	json.NewEncoder(w).Encode(resp)
}

// sigstoreFakes starts a fake Fulcio and Rekor.
func sigstoreFakes(t *testing.T, token string) (*fakeFulcio, *fakeRekor, KeylessOptions) {
	fu, re := newFakeFulcio(t, token), newFakeRekor(t)
	fs, rs := httptest.NewServer(fu), httptest.NewServer(re)
	t.Cleanup(fs.Close)
	t.Cleanup(rs.Close)
	return fu, re, KeylessOptions{FulcioURL: fs.URL, RekorURL: rs.URL, HTTPClient: fs.Client()}
}

func TestKeylessGitHubActionsToken(t *testing.T) {
	unsetTokenEnv(t)
	jwt := fakeJWT("repo:mingo-build/mingo:ref:refs/heads/main")
	var gotAuth, gotAud, gotAPI string
	gh := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotAuth = r.Header.Get("Authorization")
		gotAud = r.URL.Query().Get("audience")
		gotAPI = r.URL.Query().Get("api-version")
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"count":1,"value":%q}`, jwt)
	}))
	defer gh.Close()
	t.Setenv(ActionsTokenURLEnv, gh.URL+"/token?api-version=2.0")
	t.Setenv(ActionsRequestTokenEnv, "request-token")
	fu, _, o := sigstoreFakes(t, jwt)
	s, err := Keyless(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if s == nil || gotAuth != "Bearer request-token" || gotAud != "sigstore" || gotAPI != "2.0" {
		t.Errorf("token request: Authorization %q, audience %q, api-version %q", gotAuth, gotAud, gotAPI)
	}
	if fu.calls != 1 {
		t.Errorf("Fulcio called %d times, want 1", fu.calls)
	}

	// A refusal from the token service is a clear error.
	gh2 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no", http.StatusForbidden)
	}))
	defer gh2.Close()
	t.Setenv(ActionsTokenURLEnv, gh2.URL)
	if _, err := Keyless(context.Background(), o); err == nil || !strings.Contains(err.Error(), "id-token: write") {
		t.Errorf("Keyless with a refusing token service: %v", err)
	}
}

func TestKeylessErrors(t *testing.T) {
	unsetTokenEnv(t)
	ctx := context.Background()
	jwt := fakeJWT("me")
	t.Setenv(IDTokenEnv, jwt) // read from the environment

	// Unreachable Fulcio.
	_, err := Keyless(ctx, KeylessOptions{FulcioURL: "http://127.0.0.1:1", RekorURL: "http://127.0.0.1:1"})
	if err == nil || !strings.Contains(err.Error(), "Fulcio at http://127.0.0.1:1") {
		t.Errorf("unreachable Fulcio: %v", err)
	}
	// Fulcio refuses.
	fu, re, o := sigstoreFakes(t, jwt)
	fu.fail = true
	if _, err := Keyless(ctx, o); err == nil || !strings.Contains(err.Error(), "403") || !strings.Contains(err.Error(), "permission denied") {
		t.Errorf("refusing Fulcio: %v", err)
	}
	fu.fail = false

	// Rekor fails: nothing is pushed.
	s, err := Keyless(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	re.fail = true
	host := memRegistry(t)
	d := pushRandom(t, mustTag(t, host+"/keyless/fail:v1"), false)
	err = s.Sign(ctx, d)
	if err == nil || !strings.Contains(err.Error(), "Rekor") {
		t.Errorf("Sign with a failing Rekor: %v", err)
	}
	err = s.Attest(ctx, d, "spdxjson", []byte(spdxDocument))
	if err == nil || !strings.Contains(err.Error(), "Rekor") {
		t.Errorf("Attest with a failing Rekor: %v", err)
	}
	for _, suffix := range []string{"sig", "att"} {
		tag := d.Context().Tag(strings.Replace(d.DigestStr(), ":", "-", 1) + "." + suffix)
		if _, err := remote.Head(tag); err == nil {
			t.Errorf("%s pushed although Rekor failed", tag)
		}
	}
}

func TestKeylessSignAndAttest(t *testing.T) {
	unsetTokenEnv(t)
	ctx := context.Background()
	jwt := fakeJWT("repo:mingo-build/mingo:ref:refs/heads/main")
	fu, re, o := sigstoreFakes(t, jwt)
	o.IDToken = jwt
	s, err := Keyless(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	host := memRegistry(t)
	d := pushRandom(t, mustTag(t, host+"/keyless/app:v1"), false)
	if err := s.Sign(ctx, d); err != nil {
		t.Fatal(err)
	}
	if err := s.Attest(ctx, d, "spdxjson", []byte(spdxDocument)); err != nil {
		t.Fatal(err)
	}
	if fu.calls != 1 {
		t.Errorf("Fulcio called %d times, want 1 (the certificate is reused)", fu.calls)
	}

	// Rekor: a hashedrekord entry for the signature payload, a dsse entry
	// for the attestation.
	if len(re.entries) != 2 || re.kinds[0] != "hashedrekord" || re.kinds[1] != "dsse" {
		t.Fatalf("Rekor entries: %v", re.kinds)
	}

	m := attachedManifest(t, d, "sig")
	if len(m.Layers) != 1 {
		t.Fatalf(".sig has %d layers", len(m.Layers))
	}
	ann := m.Layers[0].Annotations
	for _, k := range []string{"dev.cosignproject.cosign/signature", "dev.sigstore.cosign/certificate", "dev.sigstore.cosign/chain", "dev.sigstore.cosign/bundle"} {
		if ann[k] == "" {
			t.Errorf(".sig layer lacks annotation %s: %v", k, ann)
		}
	}
	certs, err := cryptoutils.UnmarshalCertificatesFromPEM([]byte(ann["dev.sigstore.cosign/certificate"]))
	if err != nil || len(certs) != 1 || len(certs[0].URIs) != 1 || certs[0].URIs[0].String() != testIdentity {
		t.Errorf("certificate annotation: %v %v", certs, err)
	}
	if !strings.Contains(ann["dev.sigstore.cosign/chain"], strings.TrimSpace(string(fu.rootPEM))) {
		t.Error("chain annotation lacks the test root")
	}
	// The hashedrekord entry is for the digest of the simple-signing payload
	// in the .sig layer.
	var hr struct {
		Spec struct {
			Data struct {
				Hash struct{ Algorithm, Value string }
			}
		}
	}
	if err := json.Unmarshal(re.bodies[0], &hr); err != nil {
		t.Fatal(err)
	}
	if want := strings.TrimPrefix(m.Layers[0].Digest.String(), "sha256:"); hr.Spec.Data.Hash.Value != want {
		t.Errorf("Rekor entry for sha256:%s, want the payload layer %s", hr.Spec.Data.Hash.Value, want)
	}
	var b cbundle.RekorBundle
	if err := json.Unmarshal([]byte(ann["dev.sigstore.cosign/bundle"]), &b); err != nil || b.Payload.LogID != re.logID {
		t.Errorf("bundle annotation: %+v %v", b, err)
	}
	am := attachedManifest(t, d, "att")
	if len(am.Layers) != 1 || am.Layers[0].Annotations["dev.sigstore.cosign/bundle"] == "" ||
		am.Layers[0].Annotations["dev.sigstore.cosign/certificate"] == "" ||
		am.Layers[0].Annotations["predicateType"] != "https://spdx.dev/Document" {
		t.Errorf(".att layer annotations: %v", am.Layers)
	}

	// cosign's own verification, with the test roots and Rekor key, as
	// `cosign verify --certificate-identity --certificate-oidc-issuer` does.
	roots := x509.NewCertPool()
	roots.AddCert(fu.rootCert)
	co := &cosign.CheckOpts{
		RegistryClientOpts: []ociremote.Option{ociremote.WithRemoteOptions(remote.WithContext(ctx))},
		RootCerts:          roots,
		IgnoreSCT:          true,
		Identities:         []cosign.Identity{{Issuer: testIssuer, Subject: testIdentity}},
		RekorPubKeys: &cosign.TrustedTransparencyLogPubKeys{Keys: map[string]cosign.TransparencyLogPubKey{
			re.logID: {PubKey: re.key.Public(), Status: tuf.Active},
		}},
		ClaimVerifier: cosign.SimpleClaimVerifier,
	}
	sigs, bundleVerified, err := cosign.VerifyImageSignatures(ctx, d, co)
	if err != nil || len(sigs) != 1 || !bundleVerified {
		t.Errorf("VerifyImageSignatures: %d verified, bundle verified %v, %v", len(sigs), bundleVerified, err)
	}
	co.ClaimVerifier = cosign.IntotoSubjectClaimVerifier
	atts, bundleVerified, err := cosign.VerifyImageAttestations(ctx, d, co)
	if err != nil || len(atts) != 1 || !bundleVerified {
		t.Errorf("VerifyImageAttestations: %d verified, bundle verified %v, %v", len(atts), bundleVerified, err)
	}

	// Another identity is refused.
	co.ClaimVerifier = cosign.SimpleClaimVerifier
	co.Identities = []cosign.Identity{{Issuer: testIssuer, Subject: "https://github.com/someone/else"}}
	if _, _, err := cosign.VerifyImageSignatures(ctx, d, co); err == nil {
		t.Error("VerifyImageSignatures accepted another identity")
	}
	// A Rekor key other than the log's is refused.
	other := newFakeRekor(t)
	co.Identities = []cosign.Identity{{Issuer: testIssuer, Subject: testIdentity}}
	co.RekorPubKeys = &cosign.TrustedTransparencyLogPubKeys{Keys: map[string]cosign.TransparencyLogPubKey{
		re.logID: {PubKey: other.key.Public(), Status: tuf.Active},
	}}
	if _, _, err := cosign.VerifyImageSignatures(ctx, d, co); err == nil {
		t.Error("VerifyImageSignatures accepted a SET from another key")
	}
}

// mustTag parses a tag reference built at run time.
func mustTag(t *testing.T, s string) name.Tag {
	t.Helper()
	tag, err := name.NewTag(s)
	if err != nil {
		t.Fatal(err)
	}
	return tag
}
