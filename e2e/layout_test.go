package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mingo-build/mingo/e2e/internal/harness"
)

// An OCI layout that umoci unpacks and runc runs, for arm64 under qemu.
func TestOCILayoutRuns(t *testing.T) {
	requireEnv(t)
	dir := filepath.Join(t.TempDir(), "out")
	out := mustMingo(t, "build", ".", "--oci-layout", dir, "--push=false")
	if !digestLine.MatchString(out) {
		t.Fatalf("stdout = %q", out)
	}
	got, err := harness.RunImage(context.Background(), t.TempDir(), nil, "oci:"+dir+":latest", "linux/arm64", "from-layout")
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(got) != "probe linux/arm64 from-layout" {
		t.Errorf("runc printed %q", got)
	}
}

// Two images in one OCI layout: umoci and skopeo select each by its name.
func TestOCILayoutTwoImagesByName(t *testing.T) {
	requireEnv(t)
	dir := filepath.Join(t.TempDir(), "out")
	r := mingoGoEnv(env.probeDir, freshGoEnv(t), "build", "./cmd/alpha", "./cmd/beta", "--platform", "linux/amd64", "--oci-layout", dir)
	if r.err != nil {
		t.Fatalf("build: %v\n%s", r.err, r.stderr)
	}
	digests := digestRE.FindAllString(r.stdout, -1)
	if len(digests) != 2 {
		t.Fatalf("stdout %q, want two digests", r.stdout)
	}
	for i, name := range []string{"alpha", "beta"} {
		bundle := filepath.Join(t.TempDir(), "bundle")
		runOK(t, "", nil, "/usr/bin/umoci", "unpack", "--image", dir+":"+name+":latest", bundle)
		if _, err := os.Stat(filepath.Join(bundle, "rootfs", "usr", "local", "bin", name)); err != nil {
			t.Errorf("umoci unpack %s:latest: %v", name, err)
		}
		out := runOK(t, "", nil, "/usr/bin/skopeo", "inspect", "oci:"+dir+":"+name+":latest")
		if !strings.Contains(out, digests[i]) {
			t.Errorf("skopeo inspect oci:%s:%s:latest does not give %s:\n%s", dir, name, digests[i], out)
		}
	}
}
