package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
)

// --expose, --volume and --stop-signal reach the config Docker reads; the
// default gzip image pulls and runs on Docker 20.10, which reads no zstd.
func TestRuntimeConfigDocker(t *testing.T) {
	requireEnv(t)
	ctx := context.Background()
	ref := env.reg.Host + "/e2e/runtime:v1"
	mustMingo(t, "build", ".", "-t", ref, "--platform", "linux/amd64,linux/arm64",
		"--expose", "8080", "--expose", "53/udp", "--volume", "/data", "--stop-signal", "SIGINT")
	if _, err := env.docker.Run(ctx, env.reg.DockerConfigDir, "pull", ref); err != nil {
		t.Fatal(err)
	}
	out, err := env.docker.Run(ctx, env.reg.DockerConfigDir, "inspect", "--format", "{{json .Config}}", ref)
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		ExposedPorts map[string]struct{}
		Volumes      map[string]struct{}
		StopSignal   string
	}
	if err := json.Unmarshal([]byte(out), &cfg); err != nil {
		t.Fatalf("docker inspect: %v\n%s", err, out)
	}
	_, tcp := cfg.ExposedPorts["8080/tcp"]
	_, udp := cfg.ExposedPorts["53/udp"]
	_, data := cfg.Volumes["/data"]
	if !tcp || !udp || !data || cfg.StopSignal != "SIGINT" {
		t.Errorf("docker inspect .Config = %s", out)
	}
	got, err := env.docker.Run(ctx, env.reg.DockerConfigDir, "run", "--rm", "--network", "none", ref, "gzip")
	if err != nil || strings.TrimSpace(got) != "probe linux/amd64 gzip" {
		t.Errorf("docker run of the gzip image: %q, %v", got, err)
	}
	r := mingo(t, nil, "build", ".", "--push=false", "--expose", "99999")
	if r.err == nil || !strings.Contains(r.stderr, "1-65535") {
		t.Errorf("--expose 99999: %v, stderr %q", r.err, r.stderr)
	}
}
