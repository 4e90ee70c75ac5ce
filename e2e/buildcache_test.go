package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/mingo-build/mingo/internal/modproxy"
)

// cacheFixture is a module with an embedded file, a replaced local module
// (../local) and a module-cache dependency (example.com/workers, from the repository's
// module proxy).
const cacheFixture = "testdata/cache"

// checkout copies the fixture into a new directory, as another runner's
// clone, and returns its app module.
func checkout(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "src")
	if err := os.CopyFS(dir, os.DirFS(cacheFixture)); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "app")
}

// runner runs mingo in dir like a fresh CI runner: its own empty mingo
// cache, and gocache as Go's build cache ("" for an empty one).
func runner(t *testing.T, dir, gocache string, extraEnv []string, args ...string) result {
	t.Helper()
	if gocache == "" {
		gocache = t.TempDir()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, env.mingo, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"SSL_CERT_FILE="+env.reg.CAFile,
		"DOCKER_CONFIG="+env.reg.DockerConfigDir,
		"MINGO_CACHE="+t.TempDir(),
		"GOCACHE="+gocache,
	)
	cmd.Env = append(cmd.Env, modproxy.Env(t)...)
	cmd.Env = append(cmd.Env, extraEnv...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return result{stdout.String(), stderr.String(), err}
}

func mustRun(t *testing.T, dir, gocache string, extraEnv []string, args ...string) result {
	t.Helper()
	r := runner(t, dir, gocache, extraEnv, args...)
	if r.err != nil {
		t.Fatalf("mingo %s: %v\n%s", strings.Join(args, " "), r.err, r.stderr)
	}
	return r
}

// binaryLayer is the digest of the last layer (the binary) of ref's image
// for platform (os/arch[/variant]); ref is an index or an image.
func binaryLayer(t *testing.T, ref, platform string) string {
	t.Helper()
	raw := inspectRaw(t, ref)
	var probe struct {
		MediaType string `json:"mediaType"`
	}
	if err := json.Unmarshal(raw, &probe); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(probe.MediaType, "index") {
		repo := ref[:strings.LastIndexAny(ref, ":@")]
		var idx v1.IndexManifest
		if err := json.Unmarshal(raw, &idx); err != nil {
			t.Fatal(err)
		}
		found := false
		for _, d := range idx.Manifests {
			p := d.Platform.OS + "/" + d.Platform.Architecture
			if d.Platform.Variant != "" {
				p += "/" + d.Platform.Variant
			}
			if p == platform {
				raw, found = inspectRaw(t, repo+"@"+d.Digest.String()), true
			}
		}
		if !found {
			t.Fatalf("%s has no %s image", ref, platform)
		}
	}
	var m v1.Manifest
	if err := json.Unmarshal(raw, &m); err != nil || len(m.Layers) == 0 {
		t.Fatalf("manifest of %s for %s: %v", ref, platform, err)
	}
	return m.Layers[len(m.Layers)-1].Digest.String()
}

// TestCacheRepo: a cold runner (empty Go and mingo caches, another
// checkout) takes a program another runner built from the cache
// repository, with the same index digest as that fresh build; every input
// of the binary makes it miss, naming what changed, and gives the rebuilt
// image; what is not an input still hits.
func TestCacheRepo(t *testing.T) {
	requireEnv(t)
	cache := env.reg.Host + "/mingo-cache"
	repo := env.reg.Host + "/cacheapp"
	plats := "linux/amd64,linux/arm/v7"
	build := func(t *testing.T, dir, gocache, tag string, extraEnv []string, extra ...string) result {
		t.Helper()
		args := append([]string{"build", ".", "-v", "--cache-repo", cache, "-t", repo + ":" + tag, "--platform", plats, "--sbom", "spdx"}, extra...)
		return mustRun(t, dir, gocache, extraEnv, args...)
	}
	warm := filepath.Join(env.work, "cache-test-gocache")

	first := build(t, checkout(t), warm, "first", nil)
	for _, p := range []string{"linux/amd64", "linux/arm/v7"} {
		if !strings.Contains(first.stderr, "cache miss: example.com/cacheapp for "+p) {
			t.Fatalf("the first build did not miss for %s:\n%s", p, first.stderr)
		}
	}
	fresh := digestOf(first.stdout)
	layers := map[string]string{}
	for _, p := range []string{"linux/amd64", "linux/arm/v7"} {
		layers[p] = binaryLayer(t, repo+":first", p)
	}

	cold := build(t, checkout(t), "", "cold", nil)
	if n := strings.Count(cold.stderr, "cache hit: example.com/cacheapp for "); n != 2 {
		t.Fatalf("the cold runner hit %d times, want 2:\n%s", n, cold.stderr)
	}
	if strings.Contains(cold.stderr, " go build ") || cacheWarning(cold.stderr) {
		t.Errorf("the cold runner compiled or warned:\n%s", cold.stderr)
	}
	if got := digestOf(cold.stdout); got != fresh {
		t.Errorf("a hit gave index %s, the fresh build %s", got, fresh)
	}

	tests := []struct {
		name   string
		change func(t *testing.T, app string)
		env    []string
		args   []string
		// hit is whether both platforms hit; otherwise platform misses,
		// naming changed, and its binary layer differs from the first
		// build's (of compare) unless sameBinary.
		hit              bool
		platform         string
		compare          string
		changed          string
		sameBinary       bool
		platformsOverrid string
	}{
		{name: "main module go file", change: replaceIn("main.go", `"dev"`, `"dev2"`), platform: "linux/amd64", changed: "file example.com/cacheapp/main.go"},
		{name: "embedded file", change: replaceIn("message.txt", "hello", "howdy"), platform: "linux/amd64", changed: "file example.com/cacheapp/message.txt"},
		{name: "replaced local module", change: replaceIn("../local/local.go", `"local"`, `"nearby"`), platform: "linux/amd64", changed: "file example.com/local/local.go"},
		{name: "dependency bump", change: replaceIn("go.mod", "example.com/workers v1.0.0", "example.com/workers v1.1.0"), platform: "linux/amd64", changed: "module example.com/workers example.com/workers@v1.0.0 -> example.com/workers@v1.1.0"},
		{name: "ldflags", args: []string{"--ldflags", "-X main.version=v2"}, platform: "linux/amd64", changed: "flag 02 -ldflags"},
		{name: "build tag", args: []string{"--build-tags", "fancy"}, platform: "linux/amd64", changed: "file example.com/cacheapp/fancy.go (new)"},
		// mingo refuses GOFLAGS that change a binary; one that does not
		// still misses (GOFLAGS is in the key) and rebuilds the same bytes.
		{name: "GOFLAGS", env: []string{"GOFLAGS=-modcacherw"}, platform: "linux/amd64", changed: "env GOFLAGS", sameBinary: true},
		{name: "platform variant", platformsOverrid: "linux/arm/v6", platform: "linux/arm/v6", compare: "linux/arm/v7", changed: "not built before"},
		{name: "touched mtimes", change: touchAll, hit: true},
		{name: "another checkout path", change: func(*testing.T, string) {}, hit: true},
		{name: "comment in a package not imported", change: replaceIn("other/other.go", "// Answer is 42.", "// Answer is forty-two."), hit: true},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := checkout(t)
			if tt.change != nil {
				tt.change(t, app)
			}
			tag := "case" + string(rune('a'+i))
			args := tt.args
			if tt.platformsOverrid != "" {
				args = append(args, "--platform", tt.platformsOverrid)
			}
			r := build(t, app, warm, tag, tt.env, args...)
			if tt.hit {
				if n := strings.Count(r.stderr, "cache hit: example.com/cacheapp for "); n != 2 || digestOf(r.stdout) != fresh {
					t.Fatalf("%d hits, digest %s; want 2 hits and %s:\n%s", n, digestOf(r.stdout), fresh, r.stderr)
				}
				return
			}
			line := lineWith(r.stderr, "cache miss: example.com/cacheapp for "+tt.platform)
			if line == "" || !strings.Contains(line, tt.changed) {
				t.Fatalf("want a miss for %s naming %q:\n%s", tt.platform, tt.changed, r.stderr)
			}
			compare := tt.compare
			if compare == "" {
				compare = tt.platform
			}
			got := binaryLayer(t, repo+":"+tag, tt.platform)
			if same := got == layers[compare]; same != tt.sameBinary {
				t.Errorf("binary layer %s, first build's %s: same = %t, want %t", got, layers[compare], same, tt.sameBinary)
			}
		})
	}
}

// replaceIn edits a file of the checkout.
func replaceIn(file, old, new string) func(t *testing.T, app string) {
	return func(t *testing.T, app string) {
		t.Helper()
		p := filepath.Join(app, file)
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(b, []byte(old)) {
			t.Fatalf("%s has no %q", file, old)
		}
		if err := os.WriteFile(p, bytes.Replace(b, []byte(old), []byte(new), 1), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// touchAll sets every file's mtime to another time.
func touchAll(t *testing.T, app string) {
	t.Helper()
	when := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
	err := filepath.Walk(filepath.Dir(app), func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Chtimes(p, when, when)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// cacheWarning reports whether stderr has a warning about the cache
// repository: unreachable, denied, a corrupt entry, misses not recorded.
func cacheWarning(stderr string) bool {
	for _, w := range []string{"warning: cache repository", "warning: could not record", "warning: ignoring a corrupt entry"} {
		if strings.Contains(stderr, w) {
			return true
		}
	}
	return false
}

func lineWith(text, substr string) string {
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, substr) {
			return l
		}
	}
	return ""
}

// proxy fronts the test registry on plain HTTP (loopback): it passes reads
// through and, when readOnly, answers every write with 403 DENIED, as a
// registry does for pull-only credentials; when denyAll, it denies
// everything. It returns the proxy's host and a DOCKER_CONFIG directory
// with the registry's credentials for it.
func proxy(t *testing.T, readOnly, denyAll bool) (host, dockerConfig string) {
	t.Helper()
	target, err := url.Parse("https://" + env.reg.Host)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.Transport = env.reg.HTTPClient().Transport
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		write := r.Method != http.MethodGet && r.Method != http.MethodHead
		if denyAll || readOnly && write {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusForbidden)
			w.Write([]byte(`{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}`))
			return
		}
		r.Host = target.Host
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	host = strings.TrimPrefix(srv.URL, "http://")
	dockerConfig = t.TempDir()
	auth := base64.StdEncoding.EncodeToString([]byte(env.reg.User + ":" + env.reg.Password))
	cfg := map[string]any{"auths": map[string]any{host: map[string]string{"auth": auth}, env.reg.Host: map[string]string{"auth": auth}}}
	b, _ := json.Marshal(cfg)
	if err := os.WriteFile(filepath.Join(dockerConfig, "config.json"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	return host, dockerConfig
}

// TestCacheRepoReadOnly: with pull-only access the hits work, the misses
// build and are not recorded, and a warning says so.
func TestCacheRepoReadOnly(t *testing.T) {
	requireEnv(t)
	warm := filepath.Join(env.work, "cache-test-gocache")
	args := []string{"build", ".", "-v", "--push=false", "--platform", "linux/amd64", "--ldflags", "-X main.version=readonly"}
	seed := mustRun(t, checkout(t), warm, nil, append(args, "--cache-repo", env.reg.Host+"/ro-cache")...)

	host, dockerConfig := proxy(t, true, false)
	roEnv := []string{"DOCKER_CONFIG=" + dockerConfig}
	roArgs := append(args, "--cache-repo", host+"/ro-cache")
	hit := mustRun(t, checkout(t), warm, roEnv, roArgs...)
	if !strings.Contains(hit.stderr, "cache hit: example.com/cacheapp for linux/amd64") || cacheWarning(hit.stderr) {
		t.Fatalf("pull-only access: want a hit and no warning:\n%s", hit.stderr)
	}
	if digestOf(hit.stdout) != digestOf(seed.stdout) {
		t.Errorf("hit gave %s, the fresh build %s", digestOf(hit.stdout), digestOf(seed.stdout))
	}
	for i := range 2 {
		app := checkout(t)
		replaceIn("main.go", `"dev"`, `"edited"`)(t, app)
		miss := mustRun(t, app, warm, roEnv, roArgs...)
		if !strings.Contains(miss.stderr, "cache miss: example.com/cacheapp for linux/amd64") {
			t.Fatalf("run %d: want a miss (the first was not recorded):\n%s", i, miss.stderr)
		}
		if !strings.Contains(miss.stderr, "warning: could not record 1 binaries in cache repository "+host+"/ro-cache") {
			t.Errorf("run %d: no warning that the miss was not recorded:\n%s", i, miss.stderr)
		}
	}
}

// TestCacheRepoUnavailable: an unreachable cache repository, or one that
// denies access, is a warning and a normal build with the right digest.
func TestCacheRepoUnavailable(t *testing.T) {
	requireEnv(t)
	warm := filepath.Join(env.work, "cache-test-gocache")
	args := []string{"build", ".", "--push=false", "--platform", "linux/amd64,linux/arm64"}
	want := digestOf(mustRun(t, checkout(t), warm, nil, args...).stdout)
	denied, dockerConfig := proxy(t, false, true)
	for _, tt := range []struct{ name, repo string }{
		{"unreachable", "127.0.0.1:1/mingo-cache"},
		{"denied", denied + "/mingo-cache"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := mustRun(t, checkout(t), warm, []string{"DOCKER_CONFIG=" + dockerConfig}, append(args, "--cache-repo", tt.repo)...)
			if n := strings.Count(r.stderr, "warning: cache repository "+tt.repo); n != 1 {
				t.Errorf("%d warnings about the cache repository, want 1:\n%s", n, r.stderr)
			}
			if got := digestOf(r.stdout); got != want {
				t.Errorf("digest %s, want %s", got, want)
			}
		})
	}
}

// TestCacheRepoCorruptEntry: a cache entry whose blob no longer matches its
// digest is reported, ignored and rebuilt.
func TestCacheRepoCorruptEntry(t *testing.T) {
	requireEnv(t)
	warm := filepath.Join(env.work, "cache-test-gocache")
	cache := env.reg.Host + "/corrupt-cache"
	ref := env.reg.Host + "/cacheapp:corrupt"
	// ldflags of its own, so that no other test shares the damaged blob.
	args := []string{"build", ".", "-v", "--platform", "linux/amd64", "--ldflags", "-X main.version=corrupt", "--cache-repo", cache}
	first := mustRun(t, checkout(t), warm, nil, append(args, "-t", ref)...)
	layer := binaryLayer(t, ref, "linux/amd64")
	blobs, _ := filepath.Glob(filepath.Join(env.work, "registry-*", "storage", "docker", "registry", "v2", "blobs", "sha256", "*", strings.TrimPrefix(layer, "sha256:"), "data"))
	if len(blobs) == 0 {
		t.Fatalf("no blob %s in the registry's storage", layer)
	}
	for _, b := range blobs {
		damageFile(t, b, false)
	}
	r := mustRun(t, checkout(t), warm, nil, append(args, "--push=false")...)
	if !strings.Contains(r.stderr, "warning: ignoring a corrupt entry in cache repository "+cache) {
		t.Errorf("no warning about the corrupt entry:\n%s", r.stderr)
	}
	if !strings.Contains(r.stderr, "go build") {
		t.Errorf("the corrupt entry was not rebuilt:\n%s", r.stderr)
	}
	if got, want := digestOf(r.stdout), digestOf(first.stdout); got != want {
		t.Errorf("digest %s, want the fresh build's %s", got, want)
	}
}
