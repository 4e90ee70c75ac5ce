package build

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/mingo-build/mingo/config"
	"github.com/mingo-build/mingo/internal/layers"
)

func TestRuntimeConfig(t *testing.T) {
	opts := distroless(t, testModule, "./cmd/hello", "linux/amd64")
	opts.Config.Expose = []string{"8080", "53/udp"}
	opts.Config.Volumes = []string{"/data", "/cache"}
	opts.Config.StopSignal = "term"
	res, err := Build(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	cf, _ := res.Images[0].Image.ConfigFile()
	c := cf.Config
	_, tcp := c.ExposedPorts["8080/tcp"]
	_, udp := c.ExposedPorts["53/udp"]
	_, data := c.Volumes["/data"]
	if !tcp || !udp || !data || len(c.Volumes) != 2 || c.StopSignal != "SIGTERM" {
		t.Errorf("config = ports %v volumes %v stop signal %q", c.ExposedPorts, c.Volumes, c.StopSignal)
	}
	if s, _ := SettingsFromRecipe(recipeOf(t, res)); s.Config.StopSignal != "SIGTERM" || len(s.Config.Expose) != 2 {
		t.Errorf("recipe lost the runtime settings: %+v", s.Config)
	}
	opts.Config.Expose = []string{"99999"}
	if _, err := Build(context.Background(), opts); !errors.Is(err, config.ErrBadPort) {
		t.Errorf("port 99999: %v", err)
	}
}

// With zstd every layer mingo writes is zstd, the digest is stable across
// caches, and it differs from the gzip image.
func TestZstdImage(t *testing.T) {
	build := func(c layers.Compression) (string, []string) {
		opts := distroless(t, testModule, "./cmd/hello", "linux/amd64", "linux/arm64")
		opts.Compression = c
		res, err := Build(context.Background(), opts)
		if err != nil {
			t.Fatal(err)
		}
		d, _ := res.Index.Digest()
		var mts []string
		for _, pi := range res.Images {
			m, _ := pi.Image.Manifest()
			for _, l := range m.Layers {
				mts = append(mts, string(l.MediaType))
			}
			if pi.Size <= 0 || pi.Layers[len(pi.Layers)-1].Size != m.Layers[len(m.Layers)-1].Size {
				t.Errorf("size report does not show the compressed sizes: %+v", pi.Layers)
			}
		}
		if rc := recipeOf(t, res).Compression; (c == layers.Zstd) != (rc == "zstd") {
			t.Errorf("recipe compression %q for %s", rc, c)
		}
		return d.String(), mts
	}
	zd, zmts := build(layers.Zstd)
	for _, mt := range zmts {
		if mt != string(types.OCILayerZStd) {
			t.Errorf("layer media type %s in a zstd image", mt)
		}
	}
	zd2, _ := build(layers.Zstd)
	gd, gmts := build("")
	if zd != zd2 {
		t.Errorf("zstd image differs between caches: %s, %s", zd, zd2)
	}
	if zd == gd || gmts[0] != string(types.OCILayer) {
		t.Errorf("gzip image %s (%s), zstd %s", gd, gmts[0], zd)
	}
}

// A Docker schema 2 base has no zstd layer type: the error says so.
func TestZstdOnDockerBase(t *testing.T) {
	docker := mutate.MediaType(empty.Image, types.DockerManifestSchema2)
	if _, err := layerMediaType(docker, layers.Zstd); !errors.Is(err, ErrZstdDockerBase) {
		t.Errorf("zstd on a Docker base: %v", err)
	}
	if mt, err := layerMediaType(docker, layers.Gzip); err != nil || mt != types.DockerLayer {
		t.Errorf("gzip on a Docker base: %s, %v", mt, err)
	}
}

// The SBOM function gets the finished image's digest and a component per
// generated layer, with its source and the layer's content digest.
func TestSBOMComponents(t *testing.T) {
	opts := distroless(t, testModule, "./cmd/hello", "linux/amd64")
	var got SBOMInput
	opts.SBOM = func(in SBOMInput) ([]byte, error) { got = in; return []byte("{}"), nil }
	res, err := Build(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	d, _ := res.Images[0].Image.Digest()
	if got.Image != d || got.Binary == "" {
		t.Errorf("SBOM input image %s binary %q, want %s", got.Image, got.Binary, d)
	}
	m, _ := res.Images[0].Image.Manifest()
	cf, _ := res.Images[0].Image.ConfigFile()
	byName := map[string]string{}
	for i, c := range got.Components {
		byName[c.Name] = c.Version
		if c.SHA256 != cf.RootFS.DiffIDs[i].Hex || c.Source == "" {
			t.Errorf("component %s: checksum %s, layer %d diff ID %s, source %q", c.Name, c.SHA256, i, cf.RootFS.DiffIDs[i].Hex, c.Source)
		}
	}
	if len(got.Components) != 3 || len(m.Layers) != 4 {
		t.Fatalf("components %+v for %d layers", got.Components, len(m.Layers))
	}
	if v := byName["ca-certificates"]; v != layers.MozillaRootsVersion() || v == "" {
		t.Errorf("ca-certificates version %q", v)
	}
	if v := byName["tzdata"]; len(v) != 5 || !strings.HasPrefix(v, "20") {
		t.Errorf("tzdata version %q, want an IANA release such as 2025b", v)
	}
	if byName["identity-files"] != layers.IdentityVersion {
		t.Errorf("components = %+v", got.Components)
	}
	opts.Generated.CABundle = layers.MozillaRoots()[:1000]
	if _, err := Build(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	for _, c := range got.Components {
		if c.Name == "ca-certificates" && (c.Version != "user-supplied" || !strings.Contains(c.Source, "sha256:")) {
			t.Errorf("a user's CA bundle: %+v", c)
		}
	}
}
