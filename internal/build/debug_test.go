package build

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/mingo-build/mingo/internal/gotool"
	"github.com/mingo-build/mingo/internal/layers"
	"github.com/mingo-build/mingo/platform"
)

// staticBinary is a static ELF program: a busybox stand-in.
func staticBinary(t *testing.T) []byte {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "hello")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/hello")
	cmd.Dir, cmd.Env = testModule, gotool.Env(nil)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	b, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// pushToolbox pushes a linux/amd64-only toolbox image whose bin/busybox
// is a hard link to bin/[, as in the busybox images, and returns its
// reference.
func pushToolbox(t *testing.T, bin []byte) string {
	t.Helper()
	return pushToolboxTo(t, bin, nil)
}

// pushToolboxTo is pushToolbox to a registry that counts in blobGets the
// blobs it serves (when blobGets is not nil).
func pushToolboxTo(t *testing.T, bin []byte, blobGets *atomic.Int32) string {
	t.Helper()
	reg := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if blobGets != nil && r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/blobs/") {
			blobGets.Add(1)
		}
		reg.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Name: "bin/[", Mode: 0o755, Size: int64(len(bin)), Typeflag: tar.TypeReg})
	tw.Write(bin)
	tw.WriteHeader(&tar.Header{Name: "bin/busybox", Typeflag: tar.TypeLink, Linkname: "bin/["})
	tw.Close()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(buf.Bytes())), nil })
	if err != nil {
		t.Fatal(err)
	}
	img, _ := mutate.AppendLayers(empty.Image, l)
	img, _ = mutate.ConfigFile(img, &v1.ConfigFile{OS: "linux", Architecture: "amd64", RootFS: v1.RootFS{Type: "layers"}})
	idx := mutate.AppendManifests(mutate.IndexMediaType(empty.Index, types.OCIImageIndex),
		mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}})
	ref, _ := name.ParseReference(strings.TrimPrefix(srv.URL, "http://") + "/toolbox:1")
	if err := remote.WriteIndex(ref, idx); err != nil {
		t.Fatal(err)
	}
	return ref.String()
}

func TestDebugVariant(t *testing.T) {
	ctx := context.Background()
	bin := staticBinary(t)
	tb, err := OpenToolbox(ctx, pushToolbox(t, bin), nil)
	if err != nil {
		t.Fatal(err)
	}
	amd64, _ := platform.Parse("linux/amd64")
	arm64, _ := platform.Parse("linux/arm64")
	var missing *MissingPlatformError
	if err := tb.Check([]platform.Platform{amd64, arm64}); !errors.As(err, &missing) || missing.Platform != "linux/arm64" {
		t.Errorf("a platform the toolbox lacks: %v, want one naming linux/arm64", err)
	}
	prod, _ := mutate.Config(empty.Image, v1.Config{Entrypoint: []string{"/usr/local/bin/app"}, User: "65532", Env: []string{"PATH=/usr/bin:/bin"}})
	prodDigest, _ := prod.Digest()
	tag, _ := name.NewTag("reg.example.com/app:v1")
	res := &Result{ImportPath: "example.com/app", Tags: []name.Tag{tag}, Names: []name.Tag{tag}, Created: time.Unix(0, 0).UTC(),
		Images: []PlatformImage{{Platform: amd64, Image: prod}}}
	c, err := layers.OpenCache(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	v, err := DebugVariant(ctx, res, tb, c, layers.Gzip)
	if err != nil {
		t.Fatal(err)
	}
	if v.Variant != "debug" || v.Tags[0].String() != "reg.example.com/app:v1-debug" || res.Tags[0].String() != "reg.example.com/app:v1" {
		t.Errorf("variant %q named %v (image %v)", v.Variant, v.Tags, res.Tags)
	}
	if d, _ := res.Images[0].Image.Digest(); d != prodDigest {
		t.Error("the production image changed")
	}
	img := v.Images[0].Image
	cf, _ := img.ConfigFile()
	if got := strings.Join(cf.Config.Env, " "); got != "PATH=/usr/bin:/bin:/busybox" || cf.Config.User != "65532" || cf.Config.Entrypoint[0] != "/usr/local/bin/app" {
		t.Errorf("config: env %s user %s entrypoint %v", got, cf.Config.User, cf.Config.Entrypoint)
	}
	ls, _ := img.Layers()
	if len(ls) != 1 {
		t.Fatalf("%d layers, want the production's (none) and the toolbox", len(ls))
	}
	files := tarFiles(t, ls[0])
	if !bytes.Equal([]byte(files["busybox/busybox"]), bin) || files["busybox/sh"] != "-> busybox" || files["busybox/wget"] != "-> busybox" {
		t.Errorf("toolbox layer: busybox %d bytes, sh %q", len(files["busybox/busybox"]), files["busybox/sh"])
	}
	again, err := DebugVariant(ctx, res, tb, c, layers.Gzip)
	if err != nil {
		t.Fatal(err)
	}
	d1, _ := img.Digest()
	if d2, _ := again.Images[0].Image.Digest(); d1 != d2 {
		t.Errorf("two debug variants of one image: %s and %s", d1, d2)
	}
}

// A toolbox's busybox is read out of its image once per cache: the next
// build, with a fresh Toolbox, takes it from the cache without a blob
// download, and a damaged kept copy is read again from the registry.
func TestToolboxKeptInCache(t *testing.T) {
	ctx := context.Background()
	bin := staticBinary(t)
	var blobGets atomic.Int32
	ref := pushToolboxTo(t, bin, &blobGets)
	c, err := layers.OpenCache(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	amd64, _ := platform.Parse("linux/amd64")
	layer := func() v1.Hash {
		tb, err := OpenToolbox(ctx, ref, nil)
		if err != nil {
			t.Fatal(err)
		}
		l, err := tb.Layer(ctx, c, amd64, layers.Gzip)
		if err != nil {
			t.Fatal(err)
		}
		d, _ := l.Digest()
		return d
	}
	first := layer()
	if blobGets.Load() == 0 {
		t.Fatal("the first build downloaded no blob: the test's counter is broken")
	}
	blobGets.Store(0)
	if again := layer(); again != first || blobGets.Load() != 0 {
		t.Errorf("warm: layer %s (first %s), %d blob downloads, want the same layer and none", again, first, blobGets.Load())
	}
	kept, _ := filepath.Glob(filepath.Join(c.Dir(), layers.ToolboxCacheDir, "*"))
	if len(kept) != 1 {
		t.Fatalf("kept %v, want one busybox", kept)
	}
	os.WriteFile(kept[0], []byte("damaged"), 0o644)
	if again := layer(); again != first || blobGets.Load() == 0 {
		t.Errorf("damaged copy: layer %s (first %s), %d blob downloads, want the same layer, downloaded again", again, first, blobGets.Load())
	}
}

// tarFiles maps each file of l to its content, and each symlink to
// "-> target".
func tarFiles(t *testing.T, l v1.Layer) map[string]string {
	t.Helper()
	rc, err := l.Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	out := map[string]string{}
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(tr)
		out[strings.TrimPrefix(h.Name, "/")] = string(b)
		if h.Typeflag == tar.TypeSymlink {
			out[strings.TrimPrefix(h.Name, "/")] = "-> " + h.Linkname
		}
	}
}

func TestDelveSettings(t *testing.T) {
	amd64, _ := platform.Parse("linux/amd64")
	armv7, _ := platform.Parse("linux/arm/v7")
	var bad *DelvePlatformError
	if err := CheckDelve([]platform.Platform{amd64, armv7}); !errors.As(err, &bad) || bad.Platform != "linux/arm/v7" {
		t.Errorf("CheckDelve(amd64, arm/v7) = %v, want arm/v7 refused", err)
	}
	if err := CheckDelve([]platform.Platform{amd64}); err != nil {
		t.Errorf("CheckDelve(amd64) = %v", err)
	}
	got := strings.Join(gotool.BuildFlags("-X main.v=1", nil, true), " ")
	if got != "-trimpath -buildvcs=false -gcflags=all=-N -l -ldflags=-X main.v=1" {
		t.Errorf("flags for Delve: %s, want optimizations off and symbols kept", got)
	}
	ep := strings.Join(delveEntrypoint("/usr/local/bin/app"), " ")
	if ep != "/usr/local/bin/dlv exec --headless --listen=:40000 --api-version=2 --accept-multiclient --continue --check-go-version=false /usr/local/bin/app --" {
		t.Errorf("entrypoint %s", ep)
	}
}
