package e2e

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
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
