package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mingo-build/mingo/internal/modproxy"
)

// mingo build PKG@VERSION packages a third-party program from an empty
// directory (no checkout, no go.mod), with its modules from the proxy in
// testdata: @latest resolves to v1.1.0 and says so, a dependency whose
// cgo files CGO_ENABLED=0 leaves out is named in a warning, the image
// runs in dockerd, and mingo verify rebuilds it at the recorded version.
func TestBuildAtVersion(t *testing.T) {
	requireEnv(t)
	ctx := context.Background()
	empty := t.TempDir()
	proxy := modproxy.Env(t)
	ref := env.reg.Host + "/e2e/greet:v1.1.0"
	runEnv := append(append([]string{}, proxy...), env.docker.Env("")[:1]...)
	r := mingoAt(t, empty, runEnv, "build", "example.com/greeter/cmd/greet@latest", "-t", ref, "--load", "--push", "--platform", "linux/amd64,linux/arm64")
	if r.err != nil {
		t.Fatalf("mingo build PKG@latest: %v\n%s", r.err, r.stderr)
	}
	if !strings.HasPrefix(r.stdout, env.reg.Host+"/e2e/greet@sha256:") {
		t.Errorf("stdout = %q, want the pushed digest", r.stdout)
	}
	for _, want := range []string{
		"building example.com/greeter/cmd/greet@v1.1.0",
		"warning: package example.com/fastpath: CGO_ENABLED=0 leaves out its cgo files fast_cgo.go",
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if entries, _ := os.ReadDir(empty); len(entries) != 0 {
		t.Errorf("the build wrote into the working directory: %v", entries)
	}
	got, err := env.docker.Run(ctx, "", "run", "--rm", "--network", "none", ref, "hello")
	if err != nil || strings.TrimSpace(got) != "greet v1.1.0 workers v1.1.0 pure-go hello" {
		t.Errorf("docker run %s: %q, %v", ref, got, err)
	}
	// The version is in the recipe: verify rebuilds at it, given or not.
	for _, pkg := range []string{"example.com/greeter/cmd/greet@v1.1.0", "example.com/greeter/cmd/greet"} {
		v := mingoAt(t, empty, proxy, "verify", pkg, ref)
		if v.err != nil || !allMatch(v.stdout) {
			t.Errorf("mingo verify %s %s: %v\n%s%s", pkg, ref, v.err, v.stdout, v.stderr)
		}
	}
	v := mingoAt(t, empty, proxy, "verify", "example.com/greeter/cmd/greet@v1.0.0", ref)
	if v.err == nil || !strings.Contains(v.stderr, "was built from example.com/greeter/cmd/greet@v1.1.0, not example.com/greeter/cmd/greet@v1.0.0") {
		t.Errorf("verify at another version: %v\n%s", v.err, v.stderr)
	}
}

// Missing go.sum entries: one line with Go's go get fix, not go build's
// output for every package.
func TestMissingGoSum(t *testing.T) {
	requireEnv(t)
	dir := t.TempDir()
	files := map[string]string{
		"go.mod":  "module example.com/nosum\n\ngo 1.22\n\nrequire example.com/workers v1.0.0\n",
		"main.go": "package main\n\nimport \"example.com/workers\"\n\nfunc main() { println(workers.Version) }\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r := mingoAt(t, dir, modproxy.Env(t), "build", ".", "--push=false", "--platform", "linux/amd64")
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	last := lines[len(lines)-1]
	if r.err == nil || last != "mingo: error: go build for linux/amd64: go.sum has no entry for the module of example.com/workers; to add them: go get example.com/nosum" {
		t.Errorf("missing go.sum: %v, stderr ends %q\n%s", r.err, last, r.stderr)
	}
	if len(lines) > 3 {
		t.Errorf("stderr has %d lines, want the progress and one error line:\n%s", len(lines), r.stderr)
	}
}

// allMatch reports whether mingo verify's output ends with its "all match"
// line.
func allMatch(stdout string) bool {
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	f := strings.Fields(lines[len(lines)-1])
	return len(f) == 3 && f[0] == "all" && f[1] == "match"
}
