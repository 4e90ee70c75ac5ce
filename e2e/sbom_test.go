package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/mingo-build/mingo/e2e/internal/harness"
)

// The SBOM of each platform image is attached as an OCI referrer that a
// registry without the referrers API (Distribution 2.8) serves through the
// sha256-<digest> fallback tag, and --sbom-dir writes the same documents.
func TestSBOMAttached(t *testing.T) {
	requireEnv(t)
	repo := env.reg.Host + "/e2e/sbom"
	dir := t.TempDir()
	out := mustMingo(t, "build", ".", "-t", repo+":v1", "--sbom-dir", dir)
	ref, err := name.ParseReference(strings.TrimSpace(out))
	if err != nil {
		t.Fatal(err)
	}
	opts := []remote.Option{
		remote.WithAuth(&authn.Basic{Username: env.reg.User, Password: env.reg.Password}),
		remote.WithTransport(env.reg.HTTPClient().Transport),
	}
	idx, err := remote.Index(ref, opts...)
	if err != nil {
		t.Fatal(err)
	}
	im, _ := idx.IndexManifest()
	for _, m := range im.Manifests {
		plat := m.Platform.OS + "/" + m.Platform.Architecture
		// Distribution 2.8 has no referrers API: the fallback tag must be there.
		fallback := "sha256-" + m.Digest.Hex
		if raw := inspectRaw(t, repo+":"+fallback); !strings.Contains(string(raw), `"artifactType":"application/spdx+json"`) {
			t.Errorf("%s: fallback tag %s = %s", plat, fallback, raw)
		}
		refs, err := remote.Referrers(ref.Context().Digest(m.Digest.String()), opts...)
		if err != nil {
			t.Fatal(err)
		}
		rm, _ := refs.IndexManifest()
		if len(rm.Manifests) != 1 {
			t.Fatalf("%s: %d referrers, want the SBOM", plat, len(rm.Manifests))
		}
		art, err := remote.Image(ref.Context().Digest(rm.Manifests[0].Digest.String()), opts...)
		if err != nil {
			t.Fatal(err)
		}
		ls, _ := art.Layers()
		rc, _ := ls[0].Compressed()
		doc, _ := io.ReadAll(rc)
		var spdx struct {
			SPDXVersion string `json:"spdxVersion"`
			Packages    []struct {
				Name string `json:"name"`
			} `json:"packages"`
		}
		if err := json.Unmarshal(doc, &spdx); err != nil || spdx.SPDXVersion != "SPDX-2.3" {
			t.Fatalf("%s: SBOM is not SPDX 2.3 JSON: %v\n%s", plat, err, doc)
		}
		names := ""
		for _, p := range spdx.Packages {
			names += p.Name + " "
		}
		if !strings.Contains(names, "example.com/probe") || !strings.Contains(names, "stdlib") {
			t.Errorf("%s: SBOM packages = %s", plat, names)
		}
		onDisk, err := os.ReadFile(filepath.Join(dir, "probe_"+strings.ReplaceAll(plat, "/", "_")+".spdx.json"))
		if err != nil || string(onDisk) != string(doc) {
			t.Errorf("%s: --sbom-dir file differs from the attached SBOM: %v", plat, err)
		}
	}
}

// The index of a key-signed two-platform image carries its own SBOM,
// attached (fallback tag) and attested, so the stock cosign CLI verifies an
// spdxjson attestation at the tag; every SBOM validates against the
// official SPDX 2.3 JSON schema and lists the CA bundle and tzdata.
func TestIndexSBOMAttested(t *testing.T) {
	requireEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	cosignBin := installCosign(t, ctx)
	keys := t.TempDir()
	pass := []string{"COSIGN_PASSWORD=e2e-passphrase"}
	generateKey(t, keys, pass)
	repo := env.reg.Host + "/e2e/indexsbom"
	sboms := t.TempDir()
	r := mingo(t, pass, "build", ".", "-t", repo+":v1", "--platform", "linux/amd64,linux/arm64",
		"--sign", "--key", filepath.Join(keys, "cosign.key"), "--tlog-upload=false", "--sbom-dir", sboms)
	if r.err != nil {
		t.Fatalf("mingo build --sign: %v\n%s", r.err, r.stderr)
	}
	index := strings.TrimSpace(r.stdout)

	guard := harness.NewNetworkGuard()
	defer guard.Close()
	cosign := cosignRunner(t, ctx, cosignBin, guard, nil)
	out, err := cosign("verify-attestation", "--key", filepath.Join(keys, "cosign.pub"), "--insecure-ignore-tlog=true", "--offline=true",
		"--type", "spdxjson", repo+":v1")
	if err != nil {
		t.Fatalf("cosign verify-attestation --type spdxjson at the tag: %v\n%s", err, out)
	}
	if leaks := guard.Leaks(); len(leaks) > 0 {
		t.Errorf("cosign reached beyond loopback: %v", leaks)
	}

	ref, err := name.ParseReference(index)
	if err != nil {
		t.Fatal(err)
	}
	doc := referrerSBOM(t, ref.(name.Digest))
	checkSPDX(t, "index", doc)
	var d struct {
		Packages []struct {
			SPDXID, Name, VersionInfo string
		} `json:"packages"`
	}
	json.Unmarshal(doc, &d)
	var images []string
	for _, p := range d.Packages {
		if strings.HasSuffix(p.SPDXID, "-Image") {
			images = append(images, p.VersionInfo)
		}
	}
	want := []string{platformDigest(t, repo+":v1", "amd64"), platformDigest(t, repo+":v1", "arm64")}
	if !slices.Equal(images, want) || d.Packages[0].VersionInfo != ref.(name.Digest).DigestStr() {
		t.Errorf("index SBOM describes %s with images %v, want %s with %v", d.Packages[0].VersionInfo, images, ref.(name.Digest).DigestStr(), want)
	}
	files, _ := filepath.Glob(filepath.Join(sboms, "*.spdx.json"))
	if len(files) != 3 {
		t.Errorf("--sbom-dir wrote %v, want two platforms and the index", files)
	}
	for _, f := range files {
		b, _ := os.ReadFile(f)
		checkSPDX(t, filepath.Base(f), b)
		if strings.HasSuffix(f, "_index.spdx.json") && !bytes.Equal(b, doc) {
			t.Errorf("%s differs from the index SBOM in the registry", f)
		}
	}
}

// referrerSBOM returns the SPDX document attached to digest, found through
// the sha256-<hex> fallback tag (Distribution 2.8 has no referrers API).
func referrerSBOM(t *testing.T, digest name.Digest) []byte {
	t.Helper()
	opts := []remote.Option{
		remote.WithAuth(&authn.Basic{Username: env.reg.User, Password: env.reg.Password}),
		remote.WithTransport(env.reg.HTTPClient().Transport),
	}
	refs, err := remote.Referrers(digest, opts...)
	if err != nil {
		t.Fatal(err)
	}
	rm, _ := refs.IndexManifest()
	for _, m := range rm.Manifests {
		if m.ArtifactType != "application/spdx+json" {
			continue
		}
		art, err := remote.Image(digest.Context().Digest(m.Digest.String()), opts...)
		if err != nil {
			t.Fatal(err)
		}
		ls, _ := art.Layers()
		rc, err := ls[0].Compressed()
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		var b bytes.Buffer
		b.ReadFrom(rc)
		return b.Bytes()
	}
	t.Fatalf("no SPDX referrer of %s among %+v", digest, rm.Manifests)
	return nil
}

// checkSPDX validates doc against the official SPDX 2.3 JSON schema (the
// copy the sbom package's tests pin by digest), with an independent
// validator (santhosh-tekuri/jsonschema), and checks it lists the CA
// bundle with the fallback module's version and tzdata with an IANA
// release, each with a checksum and contained in an image.
func checkSPDX(t *testing.T, what string, doc []byte) {
	t.Helper()
	raw, err := os.ReadFile("../sbom/testdata/spdx-schema-2.3.json")
	if err != nil {
		t.Fatal(err)
	}
	sch, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("http://spdx.org/rdf/terms/2.3", sch); err != nil {
		t.Fatal(err)
	}
	schema, err := c.Compile("http://spdx.org/rdf/terms/2.3")
	if err != nil {
		t.Fatal(err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if err := schema.Validate(v); err != nil {
		t.Errorf("%s does not validate as SPDX 2.3: %v", what, err)
	}
	var d struct {
		Packages []struct {
			SPDXID, Name, VersionInfo, SourceInfo string
			Checksums                             []struct{ ChecksumValue string }
		} `json:"packages"`
		Relationships []struct {
			SPDXElementID      string `json:"spdxElementId"`
			RelationshipType   string `json:"relationshipType"`
			RelatedSPDXElement string `json:"relatedSpdxElement"`
		} `json:"relationships"`
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, p := range d.Packages {
		if p.Name != "ca-certificates" && p.Name != "tzdata" {
			continue
		}
		ok := len(p.Checksums) == 1 && len(p.Checksums[0].ChecksumValue) == 64
		switch p.Name {
		case "ca-certificates":
			ok = ok && strings.HasPrefix(p.VersionInfo, "v0.0.0-") && strings.Contains(p.SourceInfo, "golang.org/x/crypto/x509roots/fallback@")
		case "tzdata":
			ok = ok && len(p.VersionInfo) == 5 && strings.Contains(p.SourceInfo, "zoneinfo.zip of Go go1.")
		}
		contained := false
		for _, r := range d.Relationships {
			contained = contained || r.RelationshipType == "CONTAINS" && r.RelatedSPDXElement == p.SPDXID && strings.HasSuffix(r.SPDXElementID, "Image")
		}
		if !ok || !contained {
			t.Errorf("%s: package %+v (contained in an image: %t)", what, p, contained)
		}
		found[p.Name] = true
	}
	if !found["ca-certificates"] || !found["tzdata"] {
		t.Errorf("%s lists %v, want ca-certificates and tzdata", what, found)
	}
}
