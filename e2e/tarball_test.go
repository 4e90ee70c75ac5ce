package e2e

import (
	"context"
	"crypto/sha256"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// A three-platform tarball: docker load takes the host's platform under the
// tag, and the archive's OCI index carries all three.
func TestTarballDockerLoad(t *testing.T) {
	requireEnv(t)
	tarball := filepath.Join(t.TempDir(), "probe.tar")
	ref := "registry.example.com/team/probe:v1.2.0"
	out := mustMingo(t, "build", ".", "--platform", "linux/amd64,linux/arm64,linux/arm/v7", "--tarball", tarball, "--push=false", "-t", ref)
	if !digestLine.MatchString(out) {
		t.Fatalf("stdout = %q, want the index digest", out)
	}
	ctx := context.Background()
	loaded, err := env.docker.Run(ctx, "", "load", "-i", tarball)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(loaded, ref) {
		t.Errorf("docker load printed %q, want it to load %s", loaded, ref)
	}
	got, err := env.docker.Run(ctx, "", "run", "--rm", "--network", "none", ref)
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(got) != "probe linux/amd64" {
		t.Errorf("docker run printed %q", got)
	}
	raw := skopeo(t, "inspect", "--raw", "oci-archive:"+tarball)
	if ps := strings.Join(platforms(t, raw), ","); ps != "linux/amd64,linux/arm64,linux/arm/v7" {
		t.Errorf("tarball's OCI index platforms = %s", ps)
	}
	if got := fmt.Sprintf("sha256:%x\n", sha256.Sum256(raw)); got != out {
		t.Errorf("tarball index is %s, mingo printed %s", got, out)
	}
}
