package e2e

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/mingo-build/mingo/buildcache"
)

// TestCachePoisoning: a build signs the entries it records; an attacker
// who can write the cache repository, but has not the key, rewrites them
// to a binary that prints PWNED. A cold runner without a trust key ships
// it (what the README warns of); with --cache-trust-key it gets a miss, one
// warning naming the entry, and the real binary; a warm runner, with or
// without a trust key, takes what it built itself.
func TestCachePoisoning(t *testing.T) {
	requireEnv(t)
	keys := t.TempDir()
	mustRun(t, keys, "", []string{"COSIGN_PASSWORD=pw"}, "generate-key", "--dir", keys)
	priv, pub := filepath.Join(keys, "cosign.key"), filepath.Join(keys, "cosign.pub")
	cache := env.reg.Host + "/poison-cache"
	// Go's own cache, warmed without a repository: the go command then
	// records (and mingo gocache signs and uploads) only the main package.
	gocache := filepath.Join(env.work, "poison-gocache")
	app := probeCopy(t, "")
	mustRun(t, app, gocache, nil, "build", ".", "--push=false", "--platform", "linux/amd64")
	warm := []string{"COSIGN_PASSWORD=pw", "MINGO_CACHE=" + t.TempDir()}
	build := func(t *testing.T, dir string, extraEnv []string, extra ...string) (digest, layout, stderr string) {
		t.Helper()
		layout = filepath.Join(t.TempDir(), "layout")
		args := append([]string{"build", ".", "-v", "--push=false", "--platform", "linux/amd64", "--oci-layout", layout, "--cache-repo", cache}, extra...)
		r := mustRun(t, dir, gocache, extraEnv, args...)
		return digestOf(r.stdout), layout, r.stderr
	}
	good, _, stderr := build(t, app, warm, "--cache-sign-key", priv, "--cache-trust-key", pub)
	if !strings.Contains(stderr, "cache miss: example.com/probe for linux/amd64") || strings.Contains(stderr, "warning:") {
		t.Fatalf("the first build: want a miss and no warning:\n%s", stderr)
	}
	if d, _, stderr := build(t, app, nil, "--cache-trust-key", pub, "--cache-repo-read-only"); d != good || !strings.Contains(stderr, "cache hit: example.com/probe for linux/amd64 ("+cache) {
		t.Fatalf("a cold runner trusting the key: digest %s, want a hit and %s:\n%s", d, good, stderr)
	}
	attacker := env.reg.Host + "/poison-attacker"
	mustRun(t, probeCopy(t, "PWNED"), gocache, nil, "build", ".", "--push=false", "--platform", "linux/amd64", "--cache-repo", attacker)
	poison(t, cache, attacker)

	t.Run("cold runner without a trust key ships the attacker's binary", func(t *testing.T) {
		d, layout, stderr := build(t, app, nil)
		if d == good || !layoutHas(t, layout, "PWNED") || !strings.Contains(stderr, "cache hit: example.com/probe") {
			t.Fatalf("want the poisoned entry taken (digest %s, fresh %s):\n%s", d, good, stderr)
		}
	})
	t.Run("cold runner with a trust key", func(t *testing.T) {
		d, layout, stderr := build(t, app, nil, "--cache-trust-key", pub, "--cache-repo-read-only")
		warning := "warning: ignoring cache entry for example.com/probe on linux/amd64, " + cache + ":mingo-"
		if n := strings.Count(stderr, "warning: "); n != 1 || !strings.Contains(stderr, warning) || !strings.Contains(stderr, "not signed by the trusted key") {
			t.Errorf("%d warnings, want one naming the entry (%q):\n%s", n, warning, stderr)
		}
		if d != good || layoutHas(t, layout, "PWNED") {
			t.Fatalf("digest %s, want the real binary's %s:\n%s", d, good, stderr)
		}
	})
	for name, trust := range map[string][]string{"trusting the key": {"--cache-trust-key", pub}, "without a trust key": nil} {
		t.Run("warm runner "+name, func(t *testing.T) {
			d, layout, stderr := build(t, app, warm, trust...)
			if d != good || layoutHas(t, layout, "PWNED") || !strings.Contains(stderr, "(built on this machine)") || strings.Contains(stderr, "warning:") {
				t.Fatalf("digest %s, want its own binary's %s and no warning:\n%s", d, good, stderr)
			}
		})
	}
	t.Run("read-only runner recorded nothing", func(t *testing.T) {
		if d, layout, _ := build(t, app, nil); !layoutHas(t, layout, "PWNED") || d == good {
			t.Fatal("the poisoned entry is gone: a read-only runner wrote the cache")
		}
	})
}

// probeCopy copies the probe module; with marker, its program prints
// marker instead of "probe".
func probeCopy(t *testing.T, marker string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "probe")
	if err := os.CopyFS(dir, os.DirFS(env.probeDir)); err != nil {
		t.Fatal(err)
	}
	if marker != "" {
		replaceIn("main.go", `fmt.Println("probe",`, `fmt.Println("`+marker+`",`)(t, dir)
	}
	return dir
}

// poison does what a writer of the cache repository without the signing
// key can: it points every binary entry of cache (mingo-<key> and
// mingo-last-*) at the binary layer of the entry built in attacker,
// keeping each entry's key so that the key check passes.
func poison(t *testing.T, cache, attacker string) {
	t.Helper()
	opts := registryOptions()
	bad := entryOf(t, mustRepo(t, attacker), opts)
	repo := mustRepo(t, cache)
	tags, err := remote.List(repo, opts...)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, tag := range tags {
		if !strings.HasPrefix(tag, "mingo-") {
			continue
		}
		m, cfg := readEntry(t, repo.Tag(tag), opts)
		cfg["diffID"] = bad.diffID
		b, _ := json.Marshal(cfg)
		cfgLayer := static.NewLayer(b, buildcache.ConfigMediaType)
		layer, err := remote.Layer(mustRepo(t, attacker).Digest(bad.layer.Digest.String()), opts...)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range []v1.Layer{cfgLayer, layer} {
			if err := remote.WriteLayer(repo, l, opts...); err != nil {
				t.Fatal(err)
			}
		}
		m.Config.Digest, _ = cfgLayer.Digest()
		m.Config.Size = int64(len(b))
		m.Layers = []v1.Descriptor{bad.layer}
		raw, _ := json.Marshal(m)
		if err := remote.Put(repo.Tag(tag), rawImageManifest(raw), opts...); err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n < 2 {
		t.Fatalf("poisoned %d tags of %s, want an entry and its pointer", n, cache)
	}
}

type badEntry struct {
	layer  v1.Descriptor
	diffID any
}

// entryOf is the binary entry of repo, which holds one.
func entryOf(t *testing.T, repo name.Repository, opts []remote.Option) badEntry {
	t.Helper()
	tags, err := remote.List(repo, opts...)
	if err != nil {
		t.Fatal(err)
	}
	for _, tag := range tags {
		if strings.HasPrefix(tag, "mingo-") && !strings.HasPrefix(tag, "mingo-last-") {
			m, cfg := readEntry(t, repo.Tag(tag), opts)
			return badEntry{m.Layers[0], cfg["diffID"]}
		}
	}
	t.Fatalf("no entry in %s: %q", repo, tags)
	return badEntry{}
}

// readEntry reads a cache entry's manifest and config.
func readEntry(t *testing.T, tag name.Tag, opts []remote.Option) (v1.Manifest, map[string]any) {
	t.Helper()
	desc, err := remote.Get(tag, opts...)
	if err != nil {
		t.Fatal(err)
	}
	var m v1.Manifest
	if err := json.Unmarshal(desc.Manifest, &m); err != nil {
		t.Fatal(err)
	}
	l, err := remote.Layer(tag.Repository.Digest(m.Config.Digest.String()), opts...)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := l.Compressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	var cfg map[string]any
	if err := json.NewDecoder(rc).Decode(&cfg); err != nil {
		t.Fatal(err)
	}
	return m, cfg
}

func mustRepo(t *testing.T, ref string) name.Repository {
	t.Helper()
	r, err := name.NewRepository(ref)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// rawImageManifest is an OCI manifest's bytes, for remote.Put.
type rawImageManifest []byte

func (m rawImageManifest) RawManifest() ([]byte, error)        { return m, nil }
func (m rawImageManifest) MediaType() (types.MediaType, error) { return types.OCIManifestSchema1, nil }

// layoutHas reports whether a gzip layer of the OCI layout holds marker.
func layoutHas(t *testing.T, layout, marker string) bool {
	t.Helper()
	blobs, err := filepath.Glob(filepath.Join(layout, "blobs", "sha256", "*"))
	if err != nil || len(blobs) == 0 {
		t.Fatalf("no blobs in %s: %v", layout, err)
	}
	for _, p := range blobs {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(f)
		if err == nil {
			b, _ := io.ReadAll(zr)
			if bytes.Contains(b, []byte(marker)) {
				f.Close()
				return true
			}
		}
		f.Close()
	}
	return false
}
