package build

import (
	"context"
	"io"
	"log"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/mingo-build/mingo/internal/layers"
)

func distroless(t *testing.T, dir, pkg string, plats ...string) testBuild {
	opts := testOptions(t, dir, pkg, plats...)
	p := PresetFor(BaseDistroless)
	opts.Base = BaseDistroless
	opts.Generated = Generated{CACerts: p.CACerts, TZData: p.TZData, Passwd: p.Passwd}
	opts.Config.User = p.User
	return opts
}

func layerDigests(t *testing.T, img v1.Image) []string {
	t.Helper()
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range m.Layers {
		out = append(out, l.Digest.String())
	}
	return out
}

// Two different programs share the generated layers, byte for byte, and
// the config runs as nonroot with SSL_CERT_FILE set.
func TestDistrolessSharesLayers(t *testing.T) {
	var all [][]string
	for _, pkg := range []string{"./cmd/hello", "./cmd/netuser"} {
		res, err := Build(context.Background(), distroless(t, testModule, pkg, "linux/amd64"))
		if err != nil {
			t.Fatal(err)
		}
		img := res.Images[0].Image
		ds := layerDigests(t, img)
		if len(ds) != 4 {
			t.Fatalf("%s: %d layers, want identity, tzdata, CA and binary", pkg, len(ds))
		}
		all = append(all, ds)
		cf, _ := img.ConfigFile()
		if cf.Config.User != "65532:65532" || !slices.Contains(cf.Config.Env, "SSL_CERT_FILE="+layers.CABundlePath) {
			t.Errorf("%s: user %q env %v", pkg, cf.Config.User, cf.Config.Env)
		}
	}
	if !slices.Equal(all[0][:3], all[1][:3]) {
		t.Errorf("generated layers differ between programs:\n%v\n%v", all[0], all[1])
	}
	if all[0][3] == all[1][3] {
		t.Error("two programs, same binary layer")
	}
}

func TestUserConfig(t *testing.T) {
	opts := distroless(t, testModule, "./cmd/hello", "linux/amd64")
	opts.Config = ImageConfig{User: "alice"}
	if _, err := Build(context.Background(), opts); err == nil || !strings.Contains(err.Error(), "alice") {
		t.Errorf("--user alice: %v", err)
	}
	opts.Config = ImageConfig{User: "root", Env: []string{"PATH=/bin", "LOG=debug"}, Labels: map[string]string{"team": "payments"},
		Annotations: map[string]string{"org.opencontainers.image.description": "api"}, WorkDir: "/srv", Args: []string{"serve"}}
	res, err := Build(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	cf, _ := res.Images[0].Image.ConfigFile()
	c := cf.Config
	if c.User != "0:0" || !slices.Equal(c.Env, []string{"PATH=/bin", "SSL_CERT_FILE=" + layers.CABundlePath, "LOG=debug"}) || c.Labels["team"] != "payments" || c.WorkingDir != "/srv" || !slices.Equal(c.Cmd, []string{"serve"}) {
		t.Errorf("config = %+v", c)
	}
	m, _ := res.Images[0].Image.Manifest()
	if m.Annotations["org.opencontainers.image.description"] != "api" {
		t.Errorf("annotations = %v", m.Annotations)
	}
}

// A registry base: its platforms are matched, its config kept, and a
// platform it lacks is an error listing what it offers.
func TestRemoteBase(t *testing.T) {
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")

	baseOpts := testOptions(t, testModule, "./cmd/hello", "linux/amd64", "linux/arm64")
	baseOpts.Config = ImageConfig{Env: []string{"FROM_BASE=1"}, WorkDir: "/base", User: "1234"}
	base, err := Build(context.Background(), baseOpts)
	if err != nil {
		t.Fatal(err)
	}
	ref, _ := name.ParseReference(host + "/base:v1")
	if err := remote.WriteIndex(ref, base.Index); err != nil {
		t.Fatal(err)
	}
	opts := testOptions(t, testModule, "./cmd/netuser")
	opts.Platforms = nil // all
	opts.Base = ref.String()
	res, err := Build(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Images) != 2 || res.Images[1].Platform.Arch != "arm64" {
		t.Fatalf("--platform all built %+v", res.Images)
	}
	im, _ := res.Index.IndexManifest()
	bd, _ := base.Index.Digest()
	if im.Annotations[AnnotationBaseName] != ref.Name() || im.Annotations[AnnotationBaseDigest] != bd.String() {
		t.Errorf("index annotations = %v", im.Annotations)
	}
	img := res.Images[1].Image
	m, _ := img.Manifest()
	baseArm, _ := base.Images[1].Image.Digest()
	if m.Annotations[AnnotationBaseDigest] != baseArm.String() || len(m.Layers) != 2 || m.Layers[1].MediaType != types.OCILayer {
		t.Errorf("arm64 manifest = %+v", m)
	}
	cf, _ := img.ConfigFile()
	if !slices.Contains(cf.Config.Env, "FROM_BASE=1") || cf.Config.WorkingDir != "/base" || cf.Config.User != "1234:1234" || cf.Config.Entrypoint[0] != "/usr/local/bin/netuser" {
		t.Errorf("base config not kept: %+v", cf.Config)
	}

	opts = testOptions(t, testModule, "./cmd/netuser", "linux/s390x")
	opts.Base = ref.String()
	_, err = Build(context.Background(), opts)
	if err == nil || !strings.Contains(err.Error(), "offers linux/amd64, linux/arm64") {
		t.Errorf("platform the base lacks: %v", err)
	}
}
