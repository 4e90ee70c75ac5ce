package e2e

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/mingo-build/mingo/e2e/internal/harness"
)

// toolbox is the reference of a linux/amd64 + linux/arm64 toolbox image
// made from Debian's busybox-static and pushed to the test registry: the
// users' own copy of a toolbox, as an air-gapped site would have it.
var toolbox = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp(env.work, "busybox-")
	if err != nil {
		return "", err
	}
	bins, err := harness.Busyboxes(context.Background(), dir, []string{"amd64", "arm64"}, nil)
	if err != nil {
		return "", err
	}
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for _, arch := range []string{"amd64", "arm64"} {
		img, err := busyboxImage(bins[arch], arch)
		if err != nil {
			return "", err
		}
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: arch}}})
	}
	ref, err := name.ParseReference(env.reg.Host + "/mirror/busybox:1")
	if err != nil {
		return "", err
	}
	return ref.String(), remote.WriteIndex(ref, idx, registryOptions()...)
})

// busyboxImage is a one-layer image holding bin/busybox.
func busyboxImage(path, arch string) (v1.Image, error) {
	bin, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Name: "bin/busybox", Mode: 0o755, Size: int64(len(bin)), Typeflag: tar.TypeReg})
	tw.Write(bin)
	tw.Close()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(buf.Bytes())), nil })
	if err != nil {
		return nil, err
	}
	img, err := mutate.AppendLayers(mutate.MediaType(empty.Image, types.OCIManifestSchema1), l)
	if err != nil {
		return nil, err
	}
	return mutate.ConfigFile(img, &v1.ConfigFile{OS: "linux", Architecture: arch, RootFS: v1.RootFS{Type: "layers"}})
}

func registryOptions() []remote.Option {
	return []remote.Option{
		remote.WithAuth(&authn.Basic{Username: env.reg.User, Password: env.reg.Password}),
		remote.WithTransport(env.reg.HTTPClient().Transport),
	}
}

// --debug publishes the production image unchanged and TAG-debug: the same
// layers plus the toolbox, with a shell that works as the image's user, on
// amd64 in Docker and on arm64 under qemu.
func TestDebugVariant(t *testing.T) {
	requireEnv(t)
	tb, err := toolbox()
	if err != nil {
		t.Fatal(err)
	}
	repo := env.reg.Host + "/e2e/debug"
	plain := strings.TrimSpace(mustMingo(t, "build", ".", "-t", repo+":plain", "--platform", "linux/amd64,linux/arm64"))
	out := mustMingo(t, "build", ".", "-t", repo+":v1", "--platform", "linux/amd64,linux/arm64", "--debug", "--debug-toolbox", tb)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	digestOf := func(ref string) string { return regexp.MustCompile(`sha256:[0-9a-f]{64}`).FindString(ref) }
	if len(lines) != 2 || digestOf(lines[0]) != digestOf(plain) || digestOf(lines[1]) == digestOf(plain) {
		t.Fatalf("stdout = %q, want the production digest (%s, as without --debug) then the variant's", out, plain)
	}
	for _, plat := range []string{"amd64", "arm64"} {
		prod, dbg := platformImage(t, repo+":v1", plat), platformImage(t, repo+":v1-debug", plat)
		pl, _ := prod.Layers()
		dl, _ := dbg.Layers()
		if len(dl) != len(pl)+1 {
			t.Fatalf("%s: the variant has %d layers, the image %d: want one more", plat, len(dl), len(pl))
		}
		for i := range pl {
			a, _ := pl[i].Digest()
			b, _ := dl[i].Digest()
			if a != b {
				t.Errorf("%s: layer %d differs: %s, variant %s", plat, i, a, b)
			}
		}
		if size, _ := dl[len(pl)].Size(); size > 3<<20 {
			t.Errorf("%s: the toolbox layer is %d bytes, want under 3 MB", plat, size)
		}
		checkToolboxSBOM(t, repo, dbg, dl[len(pl)])
	}
	checkDebugShell(t, repo)
}

// checkToolboxSBOM checks that the variant's SBOM lists the busybox with
// its version, license and the diff ID of its layer.
func checkToolboxSBOM(t *testing.T, repo string, img v1.Image, toolbox v1.Layer) {
	t.Helper()
	d, _ := img.Digest()
	ref, err := name.NewDigest(repo + "@" + d.String())
	if err != nil {
		t.Fatal(err)
	}
	doc := referrerSBOM(t, ref)
	checkSPDX(t, "debug variant", doc)
	diffID, _ := toolbox.DiffID()
	var compact bytes.Buffer
	if err := json.Compact(&compact, doc); err != nil {
		t.Fatal(err)
	}
	doc = compact.Bytes()
	for _, want := range []string{`"name":"busybox"`, `"versionInfo":"1.35.0"`, `"licenseDeclared":"GPL-2.0-only"`, diffID.Hex} {
		if !bytes.Contains(doc, []byte(want)) {
			t.Errorf("the variant's SBOM lacks %s", want)
		}
	}
}

// platformImage is arch's image of the index at ref.
func platformImage(t *testing.T, ref, arch string) v1.Image {
	t.Helper()
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	idx, err := remote.Index(r, registryOptions()...)
	if err != nil {
		t.Fatal(err)
	}
	im, _ := idx.IndexManifest()
	for _, m := range im.Manifests {
		if m.Platform != nil && m.Platform.Architecture == arch {
			img, err := idx.Image(m.Digest)
			if err != nil {
				t.Fatal(err)
			}
			return img
		}
	}
	t.Fatalf("%s has no %s image", ref, arch)
	return nil
}

// checkDebugShell runs sh in the amd64 variant in Docker (as the image's
// nonroot user, next to the program) and in the arm64 variant under qemu;
// the production image has no shell.
func checkDebugShell(t *testing.T, repo string) {
	ctx := context.Background()
	if _, err := env.docker.Run(ctx, env.reg.DockerConfigDir, "pull", repo+":v1-debug"); err != nil {
		t.Fatal(err)
	}
	got, err := env.docker.Run(ctx, env.reg.DockerConfigDir, "run", "--rm", "--network", "none", "--entrypoint", "sh", repo+":v1-debug", "-c", "id -u; probe hello; ls /busybox/wget")
	if err != nil || got != "65532\nprobe linux/amd64 hello\n/busybox/wget\n" {
		t.Errorf("sh in the debug variant: %q, %v", got, err)
	}
	if _, err := env.docker.Run(ctx, env.reg.DockerConfigDir, "pull", repo+":v1"); err != nil {
		t.Fatal(err)
	}
	if got, err := env.docker.Run(ctx, env.reg.DockerConfigDir, "run", "--rm", "--network", "none", "--entrypoint", "sh", repo+":v1", "-c", "true"); err == nil {
		t.Errorf("the production image ran sh: %q", got)
	}
	// arm64: the variant with sh as its entrypoint, run by runc under qemu.
	img := platformImage(t, repo+":v1-debug", "arm64")
	cf, _ := img.ConfigFile()
	cfg := *cf.Config.DeepCopy()
	cfg.Entrypoint, cfg.Cmd = []string{"sh", "-c", "id -u; probe hello"}, nil
	img, err = mutate.Config(img, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ref, _ := name.ParseReference(repo + ":arm64-shell")
	if err := remote.Write(ref, img, registryOptions()...); err != nil {
		t.Fatal(err)
	}
	got, err = harness.RunImage(ctx, t.TempDir(), env.reg, "docker://"+ref.String(), "linux/arm64")
	if err != nil || got != "65532\nprobe linux/arm64 hello\n" {
		t.Errorf("sh in the arm64 variant under qemu: %q, %v", got, err)
	}
}

// A platform the toolbox lacks is refused before anything is built or
// pushed, naming it.
func TestDebugToolboxLacksPlatform(t *testing.T) {
	requireEnv(t)
	tb, err := toolbox()
	if err != nil {
		t.Fatal(err)
	}
	repo := env.reg.Host + "/e2e/debug-armv7"
	r := mingo(t, nil, "build", ".", "-t", repo+":v1", "--platform", "linux/arm/v7", "--debug", "--debug-toolbox", tb)
	_, msg, _ := strings.Cut(r.stderr, "mingo: error: ")
	if r.err == nil || !strings.Contains(msg, "toolbox image "+tb) || !strings.Contains(msg, "no linux/arm/v7 image") || strings.Count(strings.TrimSpace(msg), "\n") > 0 {
		t.Errorf("arm/v7 with an amd64+arm64 toolbox: %v, want one line naming the toolbox and the platform:\n%s", r.err, r.stderr)
	}
	if strings.Contains(r.stderr, "compiling") {
		t.Errorf("compiled before refusing:\n%s", r.stderr)
	}
	ref, _ := name.ParseReference(repo + ":v1")
	if _, err := remote.Head(ref, registryOptions()...); err == nil {
		t.Error("something was pushed")
	}
}

// Local outputs get the debug variant too: --load names it
// mingo.local/probe:latest-debug in the engine, where its shell runs, and
// a tarball and an OCI layout hold both images.
func TestDebugVariantLocalOutputs(t *testing.T) {
	requireEnv(t)
	tb, err := toolbox()
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	tarPath, layout := out+"/img.tar", out+"/layout"
	r := mingo(t, env.docker.Env(env.reg.DockerConfigDir), "build", ".", "--load", "--platform", "linux/amd64", "--debug",
		"--debug-toolbox", tb, "--tarball", tarPath, "--oci-layout", layout)
	if r.err != nil {
		t.Fatalf("mingo build --load --debug: %v\n%s", r.err, r.stderr)
	}
	if n := strings.Count(strings.TrimSpace(r.stdout), "\n") + 1; n != 2 {
		t.Errorf("stdout = %q, want the image's line and the variant's", r.stdout)
	}
	ctx := context.Background()
	got, err := env.docker.Run(ctx, env.reg.DockerConfigDir, "run", "--rm", "--network", "none", "--entrypoint", "sh", "mingo.local/probe:latest-debug", "-c", "id -u; probe local")
	if err != nil || got != "65532\nprobe linux/amd64 local\n" {
		t.Errorf("sh in the loaded debug variant: %q, %v", got, err)
	}
	tags := tarballRepoTags(t, tarPath)
	if !slices.Contains(tags, "mingo.local/probe:latest") || !slices.Contains(tags, "mingo.local/probe:latest-debug") {
		t.Errorf("the tarball holds %v, want the image and its debug variant", tags)
	}
	idx, err := os.ReadFile(layout + "/index.json")
	if err != nil {
		t.Fatal(err)
	}
	var index struct{ Manifests []json.RawMessage }
	if err := json.Unmarshal(idx, &index); err != nil || len(index.Manifests) != 2 {
		t.Errorf("the OCI layout's index.json: %v, %d manifests, want 2", err, len(index.Manifests))
	}
}

// tarballRepoTags lists the RepoTags of a docker-load tarball's
// manifest.json.
func tarballRepoTags(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err != nil {
			t.Fatalf("no manifest.json in %s: %v", path, err)
		}
		if h.Name != "manifest.json" {
			continue
		}
		var m []struct{ RepoTags []string }
		if err := json.NewDecoder(tr).Decode(&m); err != nil {
			t.Fatal(err)
		}
		var tags []string
		for _, e := range m {
			tags = append(tags, e.RepoTags...)
		}
		return tags
	}
}
