package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/mingo-build/mingo/e2e/internal/harness"
)

// A two-platform distroless image with zstd layers: every layer of both
// platform manifests is zstd, the same source in another directory gives
// the same digest, and podman (which reads zstd; Docker 20.10 does not)
// pulls and runs both platforms, arm64 under qemu.
func TestZstdPodman(t *testing.T) {
	requireEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	repo := env.reg.Host + "/e2e/zstd"
	mustMingo(t, "build", ".", "-t", repo+":v1", "--platform", "linux/amd64,linux/arm64", "--compression", "zstd")

	for _, arch := range []string{"amd64", "arm64"} {
		var m v1.Manifest
		if err := json.Unmarshal(inspectRaw(t, repo+"@"+platformDigest(t, repo+":v1", arch)), &m); err != nil {
			t.Fatal(err)
		}
		if len(m.Layers) != 4 {
			t.Errorf("%s: %d layers, want identity, tzdata, CA bundle, binary", arch, len(m.Layers))
		}
		for _, l := range m.Layers {
			if l.MediaType != "application/vnd.oci.image.layer.v1.tar+zstd" {
				t.Errorf("%s: layer %s has media type %s", arch, l.Digest, l.MediaType)
			}
		}
	}

	// Two checkouts outside git (no revision annotation) in different
	// directories: the same bytes.
	var built []string
	for range 2 {
		dir := t.TempDir()
		if err := os.CopyFS(dir, os.DirFS(env.probeDir)); err != nil {
			t.Fatal(err)
		}
		built = append(built, strings.TrimSpace(mingoIn(t, dir, "build", ".", "--push=false", "--platform", "linux/amd64,linux/arm64", "--compression", "zstd")))
	}
	if built[0] != built[1] || !strings.HasPrefix(built[0], "sha256:") {
		t.Errorf("zstd builds in two directories: %s, %s", built[0], built[1])
	}

	p, err := harness.StartPodman(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := p.Close(); err != nil {
			t.Errorf("podman Close: %v", err)
		}
	}()
	pull := []string{"pull", "--cert-dir", registryCertDir(t), "--authfile", filepath.Join(env.reg.DockerConfigDir, "config.json")}
	for _, arch := range []string{"amd64", "arm64"} {
		ref := repo + "@" + platformDigest(t, repo+":v1", arch)
		if _, err := p.Run(ctx, append(pull, ref)...); err != nil {
			t.Fatalf("podman pull %s: %v\n%s", arch, err, harnessLog(p.LogFile))
		}
		got, err := p.Run(ctx, "run", "--rm", "--network=none", ref, "zstd")
		if err != nil || strings.TrimSpace(got) != "probe linux/"+arch+" zstd" {
			t.Errorf("podman run %s: %q, %v", arch, got, err)
		}
	}
}
