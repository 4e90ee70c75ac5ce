package sign

import (
	"context"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/sigstore/sigstore-go/pkg/root"

	"github.com/mingo-build/mingo/internal/sigstoretest"
)

// keylessSetup is a fake Fulcio and Rekor, a keyless Signer against them,
// and a trusted_root.json that trusts them.
type keylessSetup struct {
	fulcio   *sigstoretest.Fulcio
	rekor    *sigstoretest.Rekor
	signer   *Signer
	rootPath string
}

func newKeylessSetup(t *testing.T, re *sigstoretest.Rekor) *keylessSetup {
	t.Helper()
	unsetTokenEnv(t)
	jwt := fakeJWT("repo:mingo-build/mingo:ref:refs/heads/main")
	if re == nil {
		re = sigstoretest.NewRekor(t)
	}
	fu := sigstoretest.NewFulcio(t, jwt, testIdentity, testIssuer)
	fs, rs := httptest.NewServer(fu), httptest.NewServer(re)
	t.Cleanup(fs.Close)
	t.Cleanup(rs.Close)
	s, err := Keyless(context.Background(), KeylessOptions{FulcioURL: fs.URL, RekorURL: rs.URL, HTTPClient: fs.Client(), IDToken: jwt})
	if err != nil {
		t.Fatal(err)
	}
	trusted := sigstoretest.TrustedRoot(t, fu, re)
	// The file is one Sigstore's own library reads, as cosign does.
	if tr, err := root.NewTrustedRootFromJSON(trusted); err != nil || len(tr.FulcioCertificateAuthorities()) != 1 || len(tr.RekorLogs()) != 1 {
		t.Fatalf("sigstore-go reads the trusted root as %v, %v", tr, err)
	}
	path := filepath.Join(t.TempDir(), "trusted_root.json")
	if err := os.WriteFile(path, trusted, 0o644); err != nil {
		t.Fatal(err)
	}
	return &keylessSetup{fulcio: fu, rekor: re, signer: s, rootPath: path}
}

// sigLayer returns the payload and annotations of the first layer of d's
// signature image.
func sigLayer(t *testing.T, d name.Digest) ([]byte, map[string]string) {
	t.Helper()
	tag := d.Context().Tag(strings.Replace(d.DigestStr(), ":", "-", 1) + ".sig")
	img, err := remote.Image(tag)
	if err != nil {
		t.Fatal(err)
	}
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	l, err := img.LayerByDigest(m.Layers[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := l.Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	payload, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	ann := map[string]string{}
	for k, v := range m.Layers[0].Annotations {
		ann[k] = v
	}
	return payload, ann
}

// putSigLayer replaces d's signature image by one holding a single layer.
func putSigLayer(t *testing.T, d name.Digest, payload []byte, ann map[string]string) {
	t.Helper()
	base := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	img, err := mutate.Append(base, mutate.Addendum{Layer: static.NewLayer(payload, simpleSigningMediaType), Annotations: ann})
	if err != nil {
		t.Fatal(err)
	}
	tag := d.Context().Tag(strings.Replace(d.DigestStr(), ":", "-", 1) + ".sig")
	if err := remote.Write(tag, img); err != nil {
		t.Fatal(err)
	}
}

// An entry signed keylessly verifies with the identity, issuer and
// trusted root of its signer, and with nothing else.
func TestIdentityVerify(t *testing.T) {
	ctx := context.Background()
	ks := newKeylessSetup(t, nil)
	host := memRegistry(t)
	d := pushRandom(t, mustTag(t, host+"/cache/entry:a"), false)
	if err := ks.signer.Sign(ctx, d); err != nil {
		t.Fatal(err)
	}
	v, err := LoadIdentity(ks.rootPath, testIdentity, testIssuer)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Verify(ctx, d); err != nil {
		t.Fatalf("Verify of a keyless signature by the identity: %v", err)
	}
	refused := func(what string, v *Identity, d name.Digest, want string) {
		t.Helper()
		err := v.Verify(ctx, d)
		if !errors.Is(err, ErrNotSigned) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: Verify = %v, want ErrNotSigned mentioning %q", what, err, want)
		}
	}
	other, err := LoadIdentity(ks.rootPath, "https://github.com/someone/else/.github/workflows/x.yml@refs/heads/main", testIssuer)
	if err != nil {
		t.Fatal(err)
	}
	refused("another identity", other, d, "another identity")
	other, err = LoadIdentity(ks.rootPath, testIdentity, "https://accounts.google.com")
	if err != nil {
		t.Fatal(err)
	}
	refused("another issuer", other, d, "issued by")

	// A certificate from another CA (and a log the root does not trust).
	ks2 := newKeylessSetup(t, nil)
	d2 := pushRandom(t, mustTag(t, host+"/cache/entry:b"), false)
	if err := ks2.signer.Sign(ctx, d2); err != nil {
		t.Fatal(err)
	}
	refused("another log", v, d2, "not one of the trusted root")
	// The same log, another CA.
	ks3 := newKeylessSetup(t, ks.rekor)
	d3 := pushRandom(t, mustTag(t, host+"/cache/entry:c"), false)
	if err := ks3.signer.Sign(ctx, d3); err != nil {
		t.Fatal(err)
	}
	refused("another CA", v, d3, "does not chain")
	if v3, err := LoadIdentity(ks3.rootPath, testIdentity, testIssuer); err != nil || v3.Verify(ctx, d3) != nil {
		t.Errorf("the other CA's own root: %v", err)
	}

	// A signature by a key: no certificate.
	_, key := newKey(t, "pw")
	d4 := pushRandom(t, mustTag(t, host+"/cache/entry:d"), false)
	if err := key.Sign(ctx, d4); err != nil {
		t.Fatal(err)
	}
	refused("a key's signature", v, d4, "no certificate")
	// Unsigned.
	refused("unsigned", v, pushRandom(t, mustTag(t, host+"/cache/entry:e"), false), "no tag")
}

// Tampering with a keyless signature's parts is refused.
func TestIdentityTampered(t *testing.T) {
	ctx := context.Background()
	ks := newKeylessSetup(t, nil)
	host := memRegistry(t)
	d := pushRandom(t, mustTag(t, host+"/cache/entry:a"), false)
	other := pushRandom(t, mustTag(t, host+"/cache/entry:b"), false)
	for _, x := range []name.Digest{d, other} {
		if err := ks.signer.Sign(ctx, x); err != nil {
			t.Fatal(err)
		}
	}
	v, err := LoadIdentity(ks.rootPath, testIdentity, testIssuer)
	if err != nil {
		t.Fatal(err)
	}
	payload, ann := sigLayer(t, d)
	_, otherAnn := sigLayer(t, other)
	editBundle := func(f func(b map[string]any)) string {
		var b map[string]any
		if err := json.Unmarshal([]byte(ann[bundleAnnotation]), &b); err != nil {
			t.Fatal(err)
		}
		f(b)
		out, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		return string(out)
	}
	with := func(k, val string) map[string]string {
		m := map[string]string{}
		for k, v := range ann {
			m[k] = v
		}
		m[k] = val
		return m
	}
	cases := []struct {
		name    string
		payload []byte
		ann     map[string]string
		want    string
	}{
		{"SET", payload, with(bundleAnnotation, editBundle(func(b map[string]any) {
			s, _ := base64.StdEncoding.DecodeString(b["SignedEntryTimestamp"].(string))
			s[len(s)/2] ^= 1
			b["SignedEntryTimestamp"] = s
		})), "signed entry timestamp"},
		{"integrated time", payload, with(bundleAnnotation, editBundle(func(b map[string]any) {
			p := b["Payload"].(map[string]any)
			p["integratedTime"] = p["integratedTime"].(float64) - 3600
		})), "signed entry timestamp"},
		{"payload", []byte(strings.Replace(string(payload), `"optional":null`, `"optional":{"x":"y"}`, 1)), ann, "another payload"},
		{"bundle of another signature", payload, with(bundleAnnotation, otherAnn[bundleAnnotation]), "another"},
		{"signature", payload, with(signatureAnnotation, otherAnn[signatureAnnotation]), "another signature"},
		{"no bundle", payload, with(bundleAnnotation, ""), "no Rekor bundle"},
	}
	for _, c := range cases {
		if c.name == "payload" && string(c.payload) == string(payload) {
			t.Fatalf("payload %s has no optional field to tamper with", payload)
		}
		putSigLayer(t, d, c.payload, c.ann)
		err := v.Verify(ctx, d)
		if !errors.Is(err, ErrNotSigned) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("tampered %s: Verify = %v, want ErrNotSigned mentioning %q", c.name, err, c.want)
		}
	}
	putSigLayer(t, d, payload, ann)
	if err := v.Verify(ctx, d); err != nil {
		t.Errorf("the original layer put back: %v", err)
	}
}

func TestLoadIdentityErrors(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ name, content string }{
		{"junk", "not json"},
		{"empty", "{}"},
		{"no CA", `{"tlogs":[{"publicKey":{"rawBytes":"` + base64.StdEncoding.EncodeToString(mustPKIX(t)) + `"}}]}`},
	} {
		p := filepath.Join(dir, c.name+".json")
		if err := os.WriteFile(p, []byte(c.content), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadIdentity(p, testIdentity, testIssuer); !errors.Is(err, ErrTrustedRoot) {
			t.Errorf("%s: %v, want ErrTrustedRoot", c.name, err)
		}
	}
	if _, err := LoadIdentity(filepath.Join(dir, "missing.json"), testIdentity, testIssuer); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	if _, err := LoadIdentity(filepath.Join(dir, "junk.json"), testIdentity, ""); err == nil {
		t.Error("no issuer: no error")
	}
}

func mustPKIX(t *testing.T) []byte {
	re := sigstoretest.NewRekor(t)
	der, err := x509.MarshalPKIXPublicKey(re.Key.Public())
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// certIssuer reads both of Fulcio's issuer extensions, the newer first.
func TestCertIssuer(t *testing.T) {
	utf8, err := asn1.MarshalWithParams("https://new.example", "utf8")
	if err != nil {
		t.Fatal(err)
	}
	v1ext := pkix.Extension{Id: oidIssuerV1, Value: []byte("https://old.example")}
	v2ext := pkix.Extension{Id: oidIssuerV2, Value: utf8}
	for _, c := range []struct {
		exts []pkix.Extension
		want string
	}{
		{nil, ""},
		{[]pkix.Extension{v1ext}, "https://old.example"},
		{[]pkix.Extension{v1ext, v2ext}, "https://new.example"},
		{[]pkix.Extension{v2ext}, "https://new.example"},
		{[]pkix.Extension{{Id: oidIssuerV2, Value: []byte("raw")}}, ""},
	} {
		if got := certIssuer(&x509.Certificate{Extensions: c.exts}); got != c.want {
			t.Errorf("certIssuer(%v) = %q, want %q", c.exts, got, c.want)
		}
	}
}
