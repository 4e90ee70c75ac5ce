package e2e

import (
	"context"
	"regexp"
	"strings"
	"testing"
)

// goBuildLine is a -v line that shows one go build run, per platform.
var goBuildLine = regexp.MustCompile(`(?m)^(linux/[a-z0-9/]+): .* go build `)

// compiled lists the platforms of the go build runs that -v showed.
func compiled(stderr string) []string {
	var out []string
	for _, m := range goBuildLine.FindAllStringSubmatch(stderr, -1) {
		out = append(out, m[1])
	}
	return out
}

// With nothing naming where the image goes, mingo build loads it into the
// engine that answers, says so, and compiles the engine's platform only;
// --load without --platform compiles that one platform too.
func TestNoTargetLoads(t *testing.T) {
	requireEnv(t)
	ctx := context.Background()
	engine := env.docker.Env("")[:1]
	r := mingo(t, engine, "build", "./cmd/gamma", "-v")
	if r.err != nil {
		t.Fatalf("mingo build with no target: %v\n%s", r.err, r.stderr)
	}
	if !digestLine.MatchString(r.stdout) {
		t.Errorf("stdout = %q, want the built digest", r.stdout)
	}
	if !strings.Contains(r.stderr, "loading into the container engine at "+engine[0][len("DOCKER_HOST="):]) {
		t.Errorf("stderr does not say where the image goes:\n%s", r.stderr)
	}
	if got := compiled(r.stderr); strings.Join(got, " ") != "linux/amd64" {
		t.Errorf("compiled %v, want the engine's platform only (linux/amd64)", got)
	}
	got, err := env.docker.Run(ctx, "", "run", "--rm", "--network", "none", "mingo.local/gamma:latest")
	if err != nil || strings.TrimSpace(got) != "gamma" {
		t.Errorf("docker run mingo.local/gamma:latest: %q, %v", got, err)
	}
	l := mingo(t, engine, "build", "./cmd/beta", "--load", "-v")
	if l.err != nil {
		t.Fatalf("mingo build --load: %v\n%s", l.err, l.stderr)
	}
	if got := compiled(l.stderr); strings.Join(got, " ") != "linux/amd64" {
		t.Errorf("--load compiled %v, want the engine's platform only (linux/amd64)", got)
	}
	if strings.Contains(l.stderr, "skipped") {
		t.Errorf("--load built a platform the engine skipped:\n%s", l.stderr)
	}
}

// Without an engine, a build that names no output fails in one line that
// names --load, --tarball and -t, before compiling anything.
func TestNoTargetNoEngine(t *testing.T) {
	requireEnv(t)
	r := mingo(t, []string{"DOCKER_HOST=unix://" + t.TempDir() + "/none.sock"}, "build", "./cmd/gamma")
	line := strings.TrimSpace(r.stderr)
	if r.err == nil || r.stdout != "" || strings.Contains(line, "\n") {
		t.Fatalf("mingo build with no target and no engine: %v, stdout %q, stderr:\n%s", r.err, r.stdout, r.stderr)
	}
	for _, want := range []string{"mingo: error: nothing to push to", "--load", "--tarball", "-t REGISTRY/REPOSITORY:TAG"} {
		if !strings.Contains(line, want) {
			t.Errorf("error %q lacks %q", line, want)
		}
	}
}
