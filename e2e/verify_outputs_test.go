package e2e

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// mingo verify reads every output mingo build writes: the tarball (FILE,
// FILE:NAME), the OCI layout (DIR, DIR:NAME) and the image --load put in
// the engine. Each matches a rebuild of the same source; after a source
// change each reports the mismatch and fails.
func TestVerifyLocalOutputs(t *testing.T) {
	requireEnv(t)
	src := t.TempDir()
	if err := os.CopyFS(src, os.DirFS(env.probeDir)); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	tarPath, layout := filepath.Join(out, "probe.tar"), filepath.Join(out, "layout")
	engine := env.docker.Env(env.reg.DockerConfigDir)
	r := mingoAt(t, src, engine, "build", ".", "--platform", "linux/amd64", "-t", "e2e.example/verify/probe:v1",
		"--tarball", tarPath, "--oci-layout", layout, "--load")
	if r.err != nil {
		t.Fatalf("build: %v\n%s", r.err, r.stderr)
	}
	images := []string{tarPath, tarPath + ":v1", layout, layout + ":v1", layout + ":e2e.example/verify/probe:v1", "docker-daemon:e2e.example/verify/probe:v1"}
	for _, image := range images {
		if r := mingoAt(t, src, engine, "verify", ".", image); r.err != nil || strings.Count(r.stdout, " match ") != 2 {
			t.Errorf("verify %s of an unchanged build: %v\n%s%s", image, r.err, r.stdout, r.stderr)
		}
	}
	if r := mingoAt(t, src, engine, "verify", ".", layout+":v2"); r.err == nil || !strings.Contains(r.stderr, "no such image (it holds v1)") {
		t.Errorf("verify of a name the layout does not hold: %v\n%s", r.err, r.stderr)
	}
	main := filepath.Join(src, "main.go")
	b, err := os.ReadFile(main)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(main, bytes.Replace(b, []byte(`"probe"`), []byte(`"changed"`), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, image := range images {
		r := mingoAt(t, src, engine, "verify", ".", image)
		if r.err == nil || !strings.Contains(r.stdout, "MISMATCH") || !strings.Contains(r.stdout, "(binary)") {
			t.Errorf("verify %s of changed source: %v\n%s%s", image, r.err, r.stdout, r.stderr)
		}
	}
}

// Without SOURCE_DATE_EPOCH the image's created time is the commit's: two
// clones of one commit build one digest, dated by the commit; the next
// commit (which changes no Go file) dates the image anew while every layer
// keeps its digest.
func TestImageTimeIsCommitTime(t *testing.T) {
	requireEnv(t)
	repo := probeRepo(t) // committed at 2024-01-01T00:00:00Z
	build := func(dir string) (config map[string]any, manifest manifestJSON) {
		t.Helper()
		layout := filepath.Join(t.TempDir(), "layout")
		if r := mingoAt(t, dir, nil, "build", ".", "--platform", "linux/amd64", "--oci-layout", layout); r.err != nil {
			t.Fatalf("build in %s: %v\n%s", dir, r.err, r.stderr)
		}
		manifest = readLayoutManifest(t, layout)
		readJSON(t, filepath.Join(layout, "blobs", "sha256", strings.TrimPrefix(manifest.Config.Digest, "sha256:")), &config)
		return config, manifest
	}
	cfgA, mA := build(gitClone(t, repo))
	cfgB, mB := build(gitClone(t, repo))
	if cfgA["created"] != "2024-01-01T00:00:00Z" {
		t.Errorf("created = %v, want the commit time 2024-01-01T00:00:00Z", cfgA["created"])
	}
	if cfgB["created"] != cfgA["created"] || mA.Config.Digest != mB.Config.Digest || !equalLayers(mA, mB) {
		t.Errorf("two clones of one commit: configs %s and %s", mA.Config.Digest, mB.Config.Digest)
	}
	next := gitClone(t, repo)
	if err := os.WriteFile(filepath.Join(next, "NOTES"), []byte("not Go\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	git := []string{"GIT_AUTHOR_NAME=e2e", "GIT_AUTHOR_EMAIL=e2e@example.com", "GIT_COMMITTER_NAME=e2e", "GIT_COMMITTER_EMAIL=e2e@example.com",
		"GIT_COMMITTER_DATE=2025-06-01T12:00:00Z", "HOME=" + t.TempDir()}
	runOK(t, next, git, "git", "add", ".")
	runOK(t, next, git, "git", "commit", "-q", "-m", "notes")
	cfgN, mN := build(next)
	if cfgN["created"] != "2025-06-01T12:00:00Z" || mN.Config.Digest == mA.Config.Digest {
		t.Errorf("the next commit: created %v, config %s; want 2025-06-01T12:00:00Z and a new config", cfgN["created"], mN.Config.Digest)
	}
	if !equalLayers(mA, mN) {
		t.Errorf("a commit that changed no Go file changed layers: %v, then %v", mA.Layers, mN.Layers)
	}
}

type manifestJSON struct {
	Config struct{ Digest string }
	Layers []struct{ Digest string }
}

func equalLayers(a, b manifestJSON) bool {
	if len(a.Layers) != len(b.Layers) || len(a.Layers) == 0 {
		return false
	}
	for i := range a.Layers {
		if a.Layers[i] != b.Layers[i] {
			return false
		}
	}
	return true
}

// readLayoutManifest reads the image manifest of an OCI layout holding one
// single-platform image.
func readLayoutManifest(t *testing.T, layout string) manifestJSON {
	t.Helper()
	var index struct{ Manifests []struct{ Digest string } }
	readJSON(t, filepath.Join(layout, "index.json"), &index)
	if len(index.Manifests) == 0 {
		t.Fatalf("%s: empty index.json", layout)
	}
	var m manifestJSON
	readJSON(t, filepath.Join(layout, "blobs", "sha256", strings.TrimPrefix(index.Manifests[0].Digest, "sha256:")), &m)
	return m
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
