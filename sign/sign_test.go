package sign

import (
	"bytes"
	"context"
	"crypto"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"log"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	gtypes "github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/sigstore/cosign/v2/pkg/cosign"
	ociremote "github.com/sigstore/cosign/v2/pkg/oci/remote"
	"github.com/sigstore/sigstore/pkg/signature"
)

// spdxDocument is a small valid SPDX 2.3 JSON document.
const spdxDocument = `{
  "spdxVersion": "SPDX-2.3",
  "dataLicense": "CC0-1.0",
  "SPDXID": "SPDXRef-DOCUMENT",
  "name": "mingo-sign-test",
  "documentNamespace": "https://mingo.example/spdx/sign-test-0001",
  "creationInfo": {
    "created": "2025-01-01T00:00:00Z",
    "creators": ["Tool: mingo-test"]
  },
  "packages": [
    {
      "name": "example.com/hello",
      "SPDXID": "SPDXRef-Package-hello",
      "versionInfo": "v1.0.0",
      "downloadLocation": "NOASSERTION",
      "filesAnalyzed": false,
      "licenseConcluded": "NOASSERTION",
      "licenseDeclared": "NOASSERTION",
      "copyrightText": "NOASSERTION"
    }
  ],
  "relationships": [
    {
      "spdxElementId": "SPDXRef-DOCUMENT",
      "relationshipType": "DESCRIBES",
      "relatedSpdxElement": "SPDXRef-Package-hello"
    }
  ]
}`

// newKey generates a key pair in a temporary directory and loads it.
func newKey(t *testing.T, password string) (dir string, s *Signer) {
	t.Helper()
	dir = t.TempDir()
	if err := GenerateKeyPair(dir, []byte(password)); err != nil {
		t.Fatal(err)
	}
	s, err := LoadKey(filepath.Join(dir, PrivateKeyFile), []byte(password))
	if err != nil {
		t.Fatal(err)
	}
	return dir, s
}

func TestGenerateKeyPairAndLoadKey(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys") // created by GenerateKeyPair
	pass := []byte("correct horse")
	if err := GenerateKeyPair(dir, pass); err != nil {
		t.Fatal(err)
	}
	keyPEM, err := os.ReadFile(filepath.Join(dir, PrivateKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(keyPEM, []byte("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----")) {
		t.Errorf("cosign.key is not in cosign's encrypted format:\n%s", keyPEM)
	}
	if fi, err := os.Stat(filepath.Join(dir, PrivateKeyFile)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("cosign.key mode: %v %v, want 0600", fi.Mode(), err)
	}
	pubPEM, err := os.ReadFile(filepath.Join(dir, PublicKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(pubPEM, []byte("-----BEGIN PUBLIC KEY-----")) {
		t.Errorf("cosign.pub is not a PEM public key:\n%s", pubPEM)
	}

	s, err := LoadKey(filepath.Join(dir, PrivateKeyFile), pass)
	if err != nil {
		t.Fatalf("LoadKey with the right password: %v", err)
	}
	got, err := s.PublicKeyPEM()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(bytes.TrimSpace(got), bytes.TrimSpace(pubPEM)) {
		t.Errorf("loaded key's public key\n%s\ndiffers from cosign.pub\n%s", got, pubPEM)
	}

	_, err = LoadKey(filepath.Join(dir, PrivateKeyFile), []byte("wrong"))
	if !errors.Is(err, ErrWrongPassword) {
		t.Errorf("LoadKey with a wrong password: %v, want ErrWrongPassword", err)
	}
	_, err = LoadKey(filepath.Join(dir, PrivateKeyFile), nil)
	if !errors.Is(err, ErrWrongPassword) {
		t.Errorf("LoadKey with no password: %v, want ErrWrongPassword", err)
	}
	if _, err := LoadKey(filepath.Join(dir, PublicKeyFile), pass); err == nil || errors.Is(err, ErrWrongPassword) {
		t.Errorf("LoadKey of a public key: %v, want a non-password error", err)
	}
	if _, err := LoadKey(filepath.Join(dir, "missing.key"), pass); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("LoadKey of a missing file: %v", err)
	}

	// No overwriting, and nothing half-written.
	if err := GenerateKeyPair(dir, pass); !errors.Is(err, fs.ErrExist) {
		t.Errorf("second GenerateKeyPair: %v, want fs.ErrExist", err)
	}
	after, _ := os.ReadFile(filepath.Join(dir, PrivateKeyFile))
	if !bytes.Equal(after, keyPEM) {
		t.Error("cosign.key was overwritten")
	}
	dir2 := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir2, PublicKeyFile), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := GenerateKeyPair(dir2, pass); !errors.Is(err, fs.ErrExist) {
		t.Errorf("GenerateKeyPair with an existing cosign.pub: %v, want fs.ErrExist", err)
	}
	if _, err := os.Stat(filepath.Join(dir2, PrivateKeyFile)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("cosign.key written although cosign.pub existed: %v", err)
	}
}

func TestEmptyPassword(t *testing.T) {
	dir, _ := newKey(t, "")
	if _, err := LoadKey(filepath.Join(dir, PrivateKeyFile), []byte("x")); !errors.Is(err, ErrWrongPassword) {
		t.Errorf("LoadKey of an unencrypted-password key with a password: %v", err)
	}
}

// memRegistry starts go-containerregistry's in-memory registry.
func memRegistry(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}

// pushRandom pushes a random image (or index) to host/repo:tag.
func pushRandom(t *testing.T, ref name.Tag, index bool, opts ...remote.Option) name.Digest {
	t.Helper()
	var h v1.Hash
	if index {
		idx, err := random.Index(256, 1, 2)
		if err != nil {
			t.Fatal(err)
		}
		if err := remote.WriteIndex(ref, idx, opts...); err != nil {
			t.Fatal(err)
		}
		h, err = idx.Digest()
		if err != nil {
			t.Fatal(err)
		}
	} else {
		img, err := random.Image(256, 1)
		if err != nil {
			t.Fatal(err)
		}
		if err := remote.Write(ref, img, opts...); err != nil {
			t.Fatal(err)
		}
		h, err = img.Digest()
		if err != nil {
			t.Fatal(err)
		}
	}
	return ref.Context().Digest(h.String())
}

// attachedManifest fetches the manifest tagged sha256-<hex>.<suffix>.
func attachedManifest(t *testing.T, d name.Digest, suffix string, opts ...remote.Option) *v1.Manifest {
	t.Helper()
	tag := d.Context().Tag(strings.Replace(d.DigestStr(), ":", "-", 1) + "." + suffix)
	img, err := remote.Image(tag, opts...)
	if err != nil {
		t.Fatalf("fetching %s: %v", tag, err)
	}
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestSignAndAttestInMemory(t *testing.T) {
	ctx := context.Background()
	host := memRegistry(t)
	dir, s := newKey(t, "pw")

	for _, index := range []bool{false, true} {
		tname := "image"
		if index {
			tname = "index"
		}
		t.Run(tname, func(t *testing.T) {
			tag, err := name.NewTag(host + "/mingo/" + tname + ":v1")
			if err != nil {
				t.Fatal(err)
			}
			d := pushRandom(t, tag, index)

			if err := s.Sign(ctx, d); err != nil {
				t.Fatalf("Sign: %v", err)
			}
			m := attachedManifest(t, d, "sig")
			if len(m.Layers) != 1 {
				t.Fatalf(".sig has %d layers, want 1", len(m.Layers))
			}
			l := m.Layers[0]
			if l.MediaType != "application/vnd.dev.cosign.simplesigning.v1+json" {
				t.Errorf(".sig layer media type %q", l.MediaType)
			}
			if _, err := base64.StdEncoding.DecodeString(l.Annotations["dev.cosignproject.cosign/signature"]); err != nil || l.Annotations["dev.cosignproject.cosign/signature"] == "" {
				t.Errorf(".sig layer signature annotation %q: %v", l.Annotations["dev.cosignproject.cosign/signature"], err)
			}

			// Signing again with the same key adds nothing; another key adds a layer.
			if err := s.Sign(ctx, d); err != nil {
				t.Fatal(err)
			}
			if n := len(attachedManifest(t, d, "sig").Layers); n != 1 {
				t.Errorf("after signing twice: %d layers, want 1", n)
			}
			_, s2 := newKey(t, "other")
			if err := s2.Sign(ctx, d); err != nil {
				t.Fatal(err)
			}
			if n := len(attachedManifest(t, d, "sig").Layers); n != 2 {
				t.Errorf("after signing with a second key: %d layers, want 2", n)
			}

			if err := s.Attest(ctx, d, "https://spdx.dev/Document", []byte(spdxDocument)); err != nil {
				t.Fatalf("Attest: %v", err)
			}
			m = attachedManifest(t, d, "att")
			if len(m.Layers) != 1 {
				t.Fatalf(".att has %d layers, want 1", len(m.Layers))
			}
			l = m.Layers[0]
			if l.MediaType != "application/vnd.dsse.envelope.v1+json" {
				t.Errorf(".att layer media type %q", l.MediaType)
			}
			if got := l.Annotations["predicateType"]; got != "https://spdx.dev/Document" {
				t.Errorf(".att predicateType annotation %q", got)
			}
			checkEnvelope(t, d, l.Digest)

			// The library's own verification, the code `cosign verify` runs.
			verifyWithLibrary(t, ctx, dir, d)
		})
	}
}

// checkEnvelope reads the attestation layer and checks the DSSE envelope and
// the in-toto statement in it.
func checkEnvelope(t *testing.T, d name.Digest, layer v1.Hash) {
	t.Helper()
	l, err := remote.Layer(d.Context().Digest(layer.String()))
	if err != nil {
		t.Fatal(err)
	}
	rc, err := l.Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	raw, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	var env struct {
		PayloadType string `json:"payloadType"`
		Payload     string `json:"payload"`
		Signatures  []struct {
			Sig string `json:"sig"`
		} `json:"signatures"`
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		t.Fatalf("envelope: %v\n%s", err, raw)
	}
	if env.PayloadType != "application/vnd.in-toto+json" || len(env.Signatures) != 1 {
		t.Errorf("envelope: payloadType %q, %d signatures", env.PayloadType, len(env.Signatures))
	}
	stmtJSON, err := base64.StdEncoding.DecodeString(env.Payload)
	if err != nil {
		t.Fatal(err)
	}
	var stmt struct {
		Type          string `json:"_type"`
		PredicateType string `json:"predicateType"`
		Subject       []struct {
			Name   string            `json:"name"`
			Digest map[string]string `json:"digest"`
		} `json:"subject"`
		Predicate map[string]any `json:"predicate"`
	}
	if err := json.Unmarshal(stmtJSON, &stmt); err != nil {
		t.Fatal(err)
	}
	if stmt.Type != "https://in-toto.io/Statement/v0.1" || stmt.PredicateType != "https://spdx.dev/Document" {
		t.Errorf("statement type %q, predicate type %q", stmt.Type, stmt.PredicateType)
	}
	if len(stmt.Subject) != 1 || "sha256:"+stmt.Subject[0].Digest["sha256"] != d.DigestStr() || stmt.Subject[0].Name != d.Context().String() {
		t.Errorf("statement subject %+v, want %s", stmt.Subject, d)
	}
	if stmt.Predicate["spdxVersion"] != "SPDX-2.3" {
		t.Errorf("predicate is not the SPDX document: %v", stmt.Predicate)
	}
}

// verifyWithLibrary checks the signature and attestation with cosign's
// verification functions, the key loaded from cosign.pub, and no tlog.
func verifyWithLibrary(t *testing.T, ctx context.Context, dir string, d name.Digest) {
	t.Helper()
	pubPEM, err := os.ReadFile(filepath.Join(dir, PublicKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	pub, err := cosign.PemToECDSAKey(pubPEM)
	if err != nil {
		t.Fatal(err)
	}
	verifier, err := signature.LoadVerifier(pub, crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	co := &cosign.CheckOpts{
		RegistryClientOpts: []ociremote.Option{ociremote.WithRemoteOptions(remote.WithContext(ctx))},
		SigVerifier:        verifier,
		IgnoreTlog:         true,
		ClaimVerifier:      cosign.SimpleClaimVerifier,
	}
	sigs, _, err := cosign.VerifyImageSignatures(ctx, d, co)
	if err != nil || len(sigs) != 1 {
		t.Errorf("VerifyImageSignatures: %d verified, %v", len(sigs), err)
	}
	co.ClaimVerifier = cosign.IntotoSubjectClaimVerifier
	atts, _, err := cosign.VerifyImageAttestations(ctx, d, co)
	if err != nil || len(atts) != 1 {
		t.Errorf("VerifyImageAttestations: %d verified, %v", len(atts), err)
	}
}

func TestSignErrors(t *testing.T) {
	ctx := context.Background()
	host := memRegistry(t)
	_, s := newKey(t, "pw")
	tag, _ := name.NewTag(host + "/mingo/err:v1")
	d := pushRandom(t, tag, false)

	missing := d.Context().Digest("sha256:" + strings.Repeat("0", 64))
	if err := s.Sign(ctx, missing); err == nil {
		t.Error("Sign of a missing manifest succeeded")
	}
	if err := s.Attest(ctx, missing, "spdxjson", []byte(spdxDocument)); err == nil {
		t.Error("Attest of a missing manifest succeeded")
	}
	if err := s.Attest(ctx, d, "not a type", []byte(spdxDocument)); err == nil {
		t.Error("Attest with an invalid predicate type succeeded")
	}
	if err := s.Attest(ctx, d, "https://spdx.dev/Document", []byte("not json")); err == nil {
		t.Error("Attest of a non-JSON SPDX predicate succeeded")
	}
	// cosign type names and custom URIs work.
	for _, typ := range []string{"spdxjson", "custom", "https://mingo.example/predicate/v1"} {
		if err := s.Attest(ctx, d, typ, []byte(`{"a":1}`)); err != nil {
			t.Errorf("Attest %s: %v", typ, err)
		}
	}
	m := attachedManifest(t, d, "att")
	var got []string
	for _, l := range m.Layers {
		got = append(got, l.Annotations["predicateType"])
	}
	want := []string{"https://spdx.dev/Document", "https://cosign.sigstore.dev/attestation/v1", "https://mingo.example/predicate/v1"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("predicate types %v, want %v", got, want)
	}
	for _, l := range m.Layers {
		if l.MediaType != gtypes.MediaType("application/vnd.dsse.envelope.v1+json") {
			t.Errorf("layer media type %q", l.MediaType)
		}
	}

	ctx2, cancel := context.WithCancel(ctx)
	cancel()
	if err := s.Sign(ctx2, d); err == nil {
		t.Error("Sign with a cancelled context succeeded")
	}
}
