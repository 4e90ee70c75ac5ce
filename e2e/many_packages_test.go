package e2e

import (
	"context"
	"crypto/sha256"
	"fmt"
	"strings"
	"testing"
)

// ./cmd/... with three main packages: three images, pushed concurrently,
// printed in a stable order, each under every tag.
func TestManyPackages(t *testing.T) {
	requireEnv(t)
	repo := env.reg.Host + "/e2e/many"
	out := mustMingo(t, "build", "./cmd/...", "--repo", repo, "-t", "v1", "-t", "latest")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 {
		t.Fatalf("stdout = %q, want three lines", out)
	}
	for i, n := range []string{"alpha", "beta", "gamma"} {
		r, digest, _ := strings.Cut(lines[i], "@")
		if r != repo+"/"+n {
			t.Errorf("line %d = %q, want %s@...", i, lines[i], repo+"/"+n)
		}
		for _, tag := range []string{"v1", "latest"} {
			if got := fmt.Sprintf("sha256:%x", sha256.Sum256(inspectRaw(t, r+":"+tag))); got != digest {
				t.Errorf("%s:%s = %s, printed %s", r, tag, got, digest)
			}
		}
	}
	got, err := env.docker.Run(context.Background(), env.reg.DockerConfigDir, "run", "--rm", "--network", "none", repo+"/beta:v1")
	if err != nil || strings.TrimSpace(got) != "beta" {
		t.Errorf("docker run beta: %q, %v", got, err)
	}
}
