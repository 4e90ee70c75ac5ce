package e2e

import (
	"context"
	"crypto/sha256"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/mingo-build/mingo/e2e/internal/harness"
)

// Push a two-platform index under two tags, check it with skopeo, pull and
// run it with Docker (amd64) and with runc under qemu (arm64).
func TestPushPullRun(t *testing.T) {
	requireEnv(t)
	repo := env.reg.Host + "/e2e/probe"
	out := mustMingo(t, "build", ".", "-t", repo+":v1", "-t", repo+":latest", "--platform", "linux/amd64,linux/arm64")
	if !regexp.MustCompile(`^` + regexp.QuoteMeta(repo) + `@sha256:[0-9a-f]{64}\n$`).MatchString(out) {
		t.Fatalf("stdout = %q, want one REPOSITORY@sha256:HEX line", out)
	}
	digest := strings.TrimPrefix(strings.TrimSpace(out), repo+"@")

	for _, tag := range []string{"v1", "latest"} {
		raw := inspectRaw(t, repo+":"+tag)
		if got := fmt.Sprintf("sha256:%x", sha256.Sum256(raw)); got != digest {
			t.Errorf("%s:%s is %s, mingo printed %s", repo, tag, got, digest)
		}
		if ps := strings.Join(platforms(t, raw), ","); ps != "linux/amd64,linux/arm64" {
			t.Errorf("index platforms = %s", ps)
		}
	}

	ctx := context.Background()
	if _, err := env.docker.Run(ctx, env.reg.DockerConfigDir, "pull", repo+":v1"); err != nil {
		t.Fatal(err)
	}
	got, err := env.docker.Run(ctx, env.reg.DockerConfigDir, "run", "--rm", "--network", "none", repo+":v1", "hello")
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(got) != "probe linux/amd64 hello" {
		t.Errorf("docker run printed %q", got)
	}
	got, err = harness.RunImage(ctx, t.TempDir(), env.reg, "docker://"+repo+"@"+digest, "linux/arm64")
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(got) != "probe linux/arm64" {
		t.Errorf("runc (qemu) printed %q", got)
	}
}
