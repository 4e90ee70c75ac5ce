package gocache

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// TestMain doubles as a GOCACHEPROG program: with GOCACHE_TEST_DIR set,
// the test binary serves the go command, with the local tier in that
// directory and the registry tier in GOCACHE_TEST_REPO, and writes its
// Stats to GOCACHE_TEST_DIR/stats.
func TestMain(m *testing.M) {
	if dir := os.Getenv("GOCACHE_TEST_DIR"); dir != "" {
		os.Exit(serveForTest(dir, os.Getenv("GOCACHE_TEST_REPO")))
	}
	os.Exit(m.Run())
}

func serveForTest(dir, repo string) int {
	disk, err := OpenDisk(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	var o Options
	if repo != "" {
		o.Registry = mustRegistry(repo)
	}
	o.Warn = func(format string, args ...any) { fmt.Fprintf(os.Stderr, "warning: "+format+"\n", args...) }
	c := New(disk, o)
	if err := Serve(context.Background(), os.Stdin, os.Stdout, c); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	os.WriteFile(filepath.Join(dir, "stats"), []byte(c.Stats().String()), 0o644)
	return 0
}

func mustRegistry(ref string) *Registry {
	repo, err := name.NewRepository(ref)
	if err != nil {
		panic(err)
	}
	r, err := NewRegistry(repo)
	if err != nil {
		panic(err)
	}
	return r
}

// newRegistry starts an in-memory registry and returns a repository in it.
func newRegistry(t *testing.T) string {
	repo, _ := countingRegistry(t)
	return repo
}

// countingRegistry is newRegistry that also counts the requests for a
// blob's content (GET .../blobs/...).
func countingRegistry(t *testing.T) (string, *atomic.Int64) {
	var blobGets atomic.Int64
	h := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/blobs/sha256:") {
			blobGets.Add(1)
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(s.Close)
	return strings.TrimPrefix(s.URL, "http://") + "/team/gocache", &blobGets
}

func put(t *testing.T, c *Cache, action, body string) []byte {
	t.Helper()
	out := sha256.Sum256([]byte(body))
	a := sha256.Sum256([]byte(action))
	if _, err := c.Put(context.Background(), a[:], out[:], strings.NewReader(body), int64(len(body))); err != nil {
		t.Fatal(err)
	}
	return out[:]
}

func get(t *testing.T, c *Cache, action string) string {
	t.Helper()
	a := sha256.Sum256([]byte(action))
	o, err := c.Get(context.Background(), a[:])
	if err != nil {
		t.Fatal(err)
	}
	if o == nil {
		return "<miss>"
	}
	b, err := os.ReadFile(o.DiskPath)
	if err != nil {
		t.Fatal(err)
	}
	if s := sha256.Sum256(b); !bytes.Equal(s[:], o.ID) || int64(len(b)) != o.Size {
		t.Fatalf("get %s: DiskPath does not hold output %x", action, o.ID)
	}
	return string(b)
}

func newCache(t *testing.T, o Options) *Cache {
	t.Helper()
	d, err := OpenDisk(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return New(d, o)
}

func TestGoCacheTiers(t *testing.T) {
	repo, blobGets := countingRegistry(t)
	var warnings []string
	warn := func(f string, a ...any) { warnings = append(warnings, fmt.Sprintf(f, a...)) }
	first := newCache(t, Options{Registry: mustRegistry(repo), Warn: warn})
	put(t, first, "compile a", "archive a")
	put(t, first, "compile b", "")
	put(t, first, "compile c", "archive a") // the same output again
	big := strings.Repeat("x", InlineSize+1)
	put(t, first, "compile big", big)
	if got := get(t, first, "compile a"); got != "archive a" {
		t.Fatalf("local get = %q", got)
	}
	first.Close(context.Background())
	if s := first.Stats(); s.Uploads != 4 || s.LocalHits != 1 {
		t.Fatalf("first: %v", s)
	}

	second := newCache(t, Options{Registry: mustRegistry(repo), Warn: warn})
	blobGets.Store(0)
	for action, want := range map[string]string{"compile a": "archive a", "compile b": "", "compile c": "archive a", "compile d": "<miss>", "compile big": big} {
		if got := get(t, second, action); got != want {
			t.Errorf("remote get %s = %q, want %q", action, got, want)
		}
	}
	if got := get(t, second, "compile a"); got != "archive a" {
		t.Fatalf("get after fetch = %q", got)
	}
	if s := second.Stats(); s.RemoteHits != 4 || s.LocalHits != 1 {
		t.Errorf("second: %v", s)
	}
	if n := blobGets.Load(); n != 1 {
		t.Errorf("%d blob downloads, want 1 (small outputs are in their entries)", n)
	}
	if len(warnings) > 0 {
		t.Errorf("warnings: %q", warnings)
	}
}

func TestGoCacheReadOnly(t *testing.T) {
	repo := newRegistry(t)
	ro := newCache(t, Options{Registry: mustRegistry(repo), ReadOnly: true})
	put(t, ro, "compile a", "archive a")
	ro.Close(context.Background())
	other := newCache(t, Options{Registry: mustRegistry(repo)})
	if got := get(t, other, "compile a"); got != "<miss>" {
		t.Fatalf("read-only cache wrote: get = %q", got)
	}
}

// TestGoCacheWrongAnswers: an entry that is not one, names a missing blob
// or a blob of other bytes is a miss, never an answer.
func TestGoCacheWrongAnswers(t *testing.T) {
	repo := newRegistry(t)
	r := mustRegistry(repo)
	ctx := context.Background()
	tag := func(action string) name.Tag { a := sha256.Sum256([]byte(action)); return r.Name().Tag(Tag(a[:])) }
	// Not an entry.
	if err := remote.Put(tag("junk"), rawManifest(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[]}`)); err != nil {
		t.Fatal(err)
	}
	// An entry whose blob is gone: record it, then point its tag at an
	// output that was never uploaded (the in-memory registry does not
	// check a manifest's blobs).
	missing := sha256.Sum256([]byte("never uploaded"))
	m, _ := entryManifest(Entry{Output: missing[:], Size: 14, Time: time.Now()})
	if err := remote.Put(tag("missing blob"), m); err != nil {
		t.Fatal(err)
	}
	// An entry whose size is not its blob's.
	c := newCache(t, Options{Registry: r})
	out := put(t, c, "real", "real bytes")
	c.Close(ctx)
	m, _ = entryManifest(Entry{Output: out, Size: 3, Time: time.Now()})
	if err := remote.Put(tag("wrong size"), m); err != nil {
		t.Fatal(err)
	}
	// An entry whose embedded output is not its output.
	m, _ = entryManifest(Entry{Output: out, Size: 10, Time: time.Now(), Data: []byte("fake bytes")})
	if err := remote.Put(tag("wrong data"), m); err != nil {
		t.Fatal(err)
	}
	fresh := newCache(t, Options{Registry: r, Warn: func(f string, a ...any) { t.Errorf("warning: "+f, a...) }})
	for _, action := range []string{"junk", "missing blob", "wrong size", "wrong data"} {
		if got := get(t, fresh, action); got != "<miss>" {
			t.Errorf("get %s = %q, want a miss", action, got)
		}
	}
	if got := get(t, fresh, "real"); got != "real bytes" {
		t.Errorf("get real = %q after corrupt entries", got)
	}
}

// TestGoCacheUnreachable: a registry that is not there is one warning,
// and every get a quick miss.
func TestGoCacheUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	var mu sync.Mutex
	var warnings []string
	c := newCache(t, Options{Registry: mustRegistry(addr + "/team/gocache"), Warn: func(f string, a ...any) {
		mu.Lock()
		defer mu.Unlock()
		warnings = append(warnings, fmt.Sprintf(f, a...))
	}})
	start := time.Now()
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			if got := get(t, c, fmt.Sprint("action ", i)); got != "<miss>" {
				t.Errorf("get = %q", got)
			}
		})
	}
	wg.Wait()
	put(t, c, "action 1", "bytes")
	c.Close(context.Background())
	if got := get(t, c, "action 1"); got != "bytes" {
		t.Errorf("local tier: get = %q", got)
	}
	if len(warnings) != 1 {
		t.Errorf("warnings: %q, want one", warnings)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %s", d)
	}
}

// TestGoCacheGoBuild runs `go build` and `go test` twice on a small module,
// each with an empty GOCACHE and an empty local tier, sharing the
// in-memory registry: the second compiles nothing and reports the test
// result cached.
func TestGoCacheGoBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command")
	}
	repo := newRegistry(t)
	mod := t.TempDir()
	writeModule(t, mod)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var stats [2]string
	for i := range 2 {
		tier := t.TempDir()
		env := append(os.Environ(), "GOCACHEPROG="+exe, "GOCACHE="+t.TempDir(), "GOCACHE_TEST_DIR="+tier, "GOCACHE_TEST_REPO="+repo,
			"GOFLAGS=-mod=mod", "GOPROXY=off", "GOTOOLCHAIN=local", "CGO_ENABLED=0")
		start := time.Now()
		build := goCmd(t, mod, env, "build", "-x", "-o", t.TempDir()+"/", ".")
		if strings.Contains(build, "warning:") {
			t.Errorf("go build: %s", build)
		}
		buildStats, _ := os.ReadFile(filepath.Join(tier, "stats"))
		test := goCmd(t, mod, env, "test", ".")
		t.Logf("run %d: go build and go test in %s; go build: %s", i+1, time.Since(start).Round(time.Millisecond), buildStats)
		stats[i] = string(buildStats)
		compiles := strings.Count(build, "/compile ")
		if i == 0 && compiles == 0 {
			t.Fatalf("first build compiled nothing:\n%s", build)
		}
		if i == 1 {
			if compiles != 0 {
				t.Errorf("second build ran the compiler %d times", compiles)
			}
			if !strings.Contains(test, "(cached)") {
				t.Errorf("second go test: %s, want (cached)", test)
			}
		}
	}
}

func goCmd(t *testing.T, dir string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir, cmd.Env = dir, env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func writeModule(t *testing.T, dir string) {
	files := map[string]string{
		"go.mod":        "module example.com/hello\n\ngo 1.24\n",
		"main.go":       "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(greeting()) }\n",
		"greet.go":      "package main\n\nfunc greeting() string { return \"hello\" }\n",
		"greet_test.go": "package main\n\nimport \"testing\"\n\nfunc TestGreeting(t *testing.T) {\n\tif greeting() != \"hello\" {\n\t\tt.Fatal(greeting())\n\t}\n}\n",
	}
	for n, s := range files {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestGoCacheSlowUploads: a registry that takes uploads and never answers
// holds Close no longer than the timeout, with one warning.
func TestGoCacheSlowUploads(t *testing.T) {
	h := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			<-r.Context().Done()
			return
		}
		h.ServeHTTP(w, r)
	}))
	defer s.Close()
	var mu sync.Mutex
	var warnings []string
	c := newCache(t, Options{Registry: mustRegistry(strings.TrimPrefix(s.URL, "http://") + "/team/gocache"), Timeout: 500 * time.Millisecond,
		Warn: func(f string, a ...any) {
			mu.Lock()
			defer mu.Unlock()
			warnings = append(warnings, fmt.Sprintf(f, a...))
		}})
	for i := range 5 {
		put(t, c, fmt.Sprint("action ", i), fmt.Sprint("output ", i))
	}
	start := time.Now()
	c.Close(context.Background())
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Close took %s", d)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(warnings) != 1 {
		t.Errorf("warnings: %q, want one", warnings)
	}
}
