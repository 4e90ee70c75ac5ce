package sign

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/sigstore/cosign/v2/pkg/cosign"
	cbundle "github.com/sigstore/cosign/v2/pkg/cosign/bundle"
	ociremote "github.com/sigstore/cosign/v2/pkg/oci/remote"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/sigstore/sigstore/pkg/tuf"

	"github.com/mingo-build/mingo/internal/sigstoretest"
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
	s, err := Keyless(context.Background(), KeylessOptions{})
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

// sigstoreFakes starts a fake Fulcio and Rekor.
func sigstoreFakes(t *testing.T, token string) (*sigstoretest.Fulcio, *sigstoretest.Rekor, KeylessOptions) {
	fu, re := sigstoretest.NewFulcio(t, token, testIdentity, testIssuer), sigstoretest.NewRekor(t)
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
	if fu.Calls() != 1 {
		t.Errorf("Fulcio called %d times, want 1", fu.Calls())
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
	fu.SetFail(true)
	if _, err := Keyless(ctx, o); err == nil || !strings.Contains(err.Error(), "403") || !strings.Contains(err.Error(), "permission denied") {
		t.Errorf("refusing Fulcio: %v", err)
	}
	fu.SetFail(false)

	// Rekor fails: nothing is pushed.
	s, err := Keyless(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	re.SetFail(true)
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
	if fu.Calls() != 1 {
		t.Errorf("Fulcio called %d times, want 1 (the certificate is reused)", fu.Calls())
	}

	// Rekor: a hashedrekord entry for the signature payload, a dsse entry
	// for the attestation.
	kinds, bodies := re.Entries()
	if len(kinds) != 2 || kinds[0] != "hashedrekord" || kinds[1] != "dsse" {
		t.Fatalf("Rekor entries: %v", kinds)
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
	if !strings.Contains(ann["dev.sigstore.cosign/chain"], strings.TrimSpace(string(fu.RootPEM))) {
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
	if err := json.Unmarshal(bodies[0], &hr); err != nil {
		t.Fatal(err)
	}
	if want := strings.TrimPrefix(m.Layers[0].Digest.String(), "sha256:"); hr.Spec.Data.Hash.Value != want {
		t.Errorf("Rekor entry for sha256:%s, want the payload layer %s", hr.Spec.Data.Hash.Value, want)
	}
	var b cbundle.RekorBundle
	if err := json.Unmarshal([]byte(ann["dev.sigstore.cosign/bundle"]), &b); err != nil || b.Payload.LogID != re.LogID {
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
	roots.AddCert(fu.RootCert)
	co := &cosign.CheckOpts{
		RegistryClientOpts: []ociremote.Option{ociremote.WithRemoteOptions(remote.WithContext(ctx))},
		RootCerts:          roots,
		IgnoreSCT:          true,
		Identities:         []cosign.Identity{{Issuer: testIssuer, Subject: testIdentity}},
		RekorPubKeys: &cosign.TrustedTransparencyLogPubKeys{Keys: map[string]cosign.TransparencyLogPubKey{
			re.LogID: {PubKey: re.Key.Public(), Status: tuf.Active},
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
	other := sigstoretest.NewRekor(t)
	co.Identities = []cosign.Identity{{Issuer: testIssuer, Subject: testIdentity}}
	co.RekorPubKeys = &cosign.TrustedTransparencyLogPubKeys{Keys: map[string]cosign.TransparencyLogPubKey{
		re.LogID: {PubKey: other.Key.Public(), Status: tuf.Active},
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

// A key signer with a transparency log records a hashedrekord entry for
// its public key and a dsse entry, attaches their bundles (and no
// certificate), and cosign verifies the bundles with the log's key.
func TestKeyWithTransparencyLog(t *testing.T) {
	ctx := context.Background()
	re := sigstoretest.NewRekor(t)
	rs := httptest.NewServer(re)
	defer rs.Close()
	dir, key := newKey(t, "pw")
	s, err := key.WithTransparencyLog(ctx, rs.URL, rs.Client())
	if err != nil {
		t.Fatal(err)
	}
	d := pushRandom(t, mustTag(t, memRegistry(t)+"/tlog/app:v1"), false)
	if err := s.Sign(ctx, d); err != nil {
		t.Fatal(err)
	}
	if err := s.Attest(ctx, d, "spdxjson", []byte(spdxDocument)); err != nil {
		t.Fatal(err)
	}
	if kinds, _ := re.Entries(); len(kinds) != 2 || kinds[0] != "hashedrekord" || kinds[1] != "dsse" {
		t.Fatalf("Rekor entries: %v", kinds)
	}
	for _, suffix := range []string{"sig", "att"} {
		ann := attachedManifest(t, d, suffix).Layers[0].Annotations
		if ann["dev.sigstore.cosign/bundle"] == "" || ann["dev.sigstore.cosign/certificate"] != "" {
			t.Errorf(".%s annotations: %v", suffix, ann)
		}
	}
	// The key signer it came from still records nothing.
	if err := key.Sign(ctx, pushRandom(t, mustTag(t, d.Context().String()+":v2"), false)); err != nil {
		t.Fatal(err)
	}
	if kinds, _ := re.Entries(); len(kinds) != 2 {
		t.Errorf("the original signer recorded in the log: %v", kinds)
	}

	verifier, err := signature.LoadVerifier(mustPublicKey(t, dir), crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	co := &cosign.CheckOpts{
		RegistryClientOpts: []ociremote.Option{ociremote.WithRemoteOptions(remote.WithContext(ctx))},
		SigVerifier:        verifier,
		RekorPubKeys: &cosign.TrustedTransparencyLogPubKeys{Keys: map[string]cosign.TransparencyLogPubKey{
			re.LogID: {PubKey: re.Key.Public(), Status: tuf.Active},
		}},
		ClaimVerifier: cosign.SimpleClaimVerifier,
	}
	if sigs, bundleVerified, err := cosign.VerifyImageSignatures(ctx, d, co); err != nil || len(sigs) != 1 || !bundleVerified {
		t.Errorf("VerifyImageSignatures: %d verified, bundle verified %v, %v", len(sigs), bundleVerified, err)
	}
	co.ClaimVerifier = cosign.IntotoSubjectClaimVerifier
	if atts, bundleVerified, err := cosign.VerifyImageAttestations(ctx, d, co); err != nil || len(atts) != 1 || !bundleVerified {
		t.Errorf("VerifyImageAttestations: %d verified, bundle verified %v, %v", len(atts), bundleVerified, err)
	}

	// A log that does not answer, or a bad URL, fails at once.
	for _, u := range []string{"http://127.0.0.1:1", "rekor.example.com", "ftp://rekor.example.com"} {
		if _, err := key.WithTransparencyLog(ctx, u, nil); err == nil || !strings.Contains(err.Error(), "Rekor") {
			t.Errorf("WithTransparencyLog(%q): %v", u, err)
		}
	}
	// An upload that fails pushes nothing.
	re.SetFail(true)
	d2 := pushRandom(t, mustTag(t, d.Context().String()+":v3"), false)
	if err := s.Sign(ctx, d2); err == nil || !strings.Contains(err.Error(), "log is down") {
		t.Errorf("Sign with a failing log: %v", err)
	}
	tag := d2.Context().Tag(strings.Replace(d2.DigestStr(), ":", "-", 1) + ".sig")
	if _, err := remote.Head(tag); err == nil {
		t.Errorf("%s pushed although the log failed", tag)
	}
}

// mustPublicKey reads cosign.pub from dir.
func mustPublicKey(t *testing.T, dir string) crypto.PublicKey {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, PublicKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	pub, err := cryptoutils.UnmarshalPEMToPublicKey(b)
	if err != nil {
		t.Fatal(err)
	}
	return pub
}
