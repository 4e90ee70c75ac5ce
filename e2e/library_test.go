package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	lib "github.com/mingo-build/mingo"
)

// A Go program that does what the package's Example does (lib.LoadConfig,
// then mingo.Build) gets the digests `mingo build --config` gets for the
// same mingo.yaml: one model from the file to the image.
func TestLibraryBuildsWhatTheCLIBuilds(t *testing.T) {
	requireEnv(t)
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "mingo.yaml")
	text := `images:
  - package: ./examples/hello
    platforms: [linux/amd64, linux/arm64]
    env: {B: "2", A: "1"}
    expose: ["8080"]
    labels: {team: core}
  - package: ./examples/server
    base: scratch
    ca-certs: true
    user: "1000:1000"
    platforms: [linux/arm/v7]
`
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	var outs []struct{ Package, Digest string }
	out := mingoIn(t, root, "build", "--config", file, "--push=false", "--json", "-q")
	if err := json.Unmarshal([]byte(out), &outs); err != nil || len(outs) != 2 {
		t.Fatalf("mingo build --config --json: %v\n%s", err, out)
	}

	ctx := context.Background()
	cfg, err := lib.LoadConfig(ctx, file, lib.Overlay{})
	if err != nil {
		t.Fatal(err)
	}
	imgs, err := lib.Build(ctx, cfg.Specs, lib.WithDir(root), lib.WithCacheDir(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	for i, img := range imgs {
		d, err := img.Artifact().Digest()
		if err != nil {
			t.Fatal(err)
		}
		if d.String() != outs[i].Digest {
			t.Errorf("%s: the library built %s, mingo build --config %s", outs[i].Package, d, outs[i].Digest)
		}
	}
}
