package build

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/registry"

	"github.com/mingo-build/mingo/buildcache"
	"github.com/mingo-build/mingo/internal/layers"
)

// logs collects what a build says, verbose or warning.
type logs struct {
	mu    sync.Mutex
	lines []string
}

func (l *logs) printf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
}

func (l *logs) count(substr string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, s := range l.lines {
		if strings.Contains(s, substr) {
			n++
		}
	}
	return n
}

// TestBuildCacheRepo builds twice from two checkouts with empty mingo
// caches: the second takes both platforms from the cache repository,
// runs no go build, and gives the same index.
func TestBuildCacheRepo(t *testing.T) {
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	repo, err := buildcache.Open(strings.TrimPrefix(srv.URL, "http://") + "/cache")
	if err != nil {
		t.Fatal(err)
	}
	var digests []string
	var runs []*logs
	for range 2 {
		dir := t.TempDir()
		copyDir(t, testModule, dir)
		o := distroless(t, dir, "./cmd/hello", "linux/amd64", "linux/arm/v7")
		l := &logs{}
		o.CacheRepo, o.Verbose, o.Warn = repo, l.printf, l.printf
		res, err := Build(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		d, err := res.Index.Digest()
		if err != nil {
			t.Fatal(err)
		}
		digests, runs = append(digests, d.String()), append(runs, l)
	}
	if digests[0] != digests[1] {
		t.Errorf("a cache hit gave index %s, the fresh build %s", digests[1], digests[0])
	}
	if n := runs[0].count("cache miss: example.com/mod/cmd/hello"); n != 2 {
		t.Errorf("first build: %d misses, want 2: %q", n, runs[0].lines)
	}
	if n := runs[1].count("cache hit: example.com/mod/cmd/hello"); n != 2 {
		t.Errorf("second build: %d hits, want 2: %q", n, runs[1].lines)
	}
	if n := runs[1].count("go build"); n != 0 || runs[1].count("cache repository") != 0 {
		t.Errorf("second build ran go build or warned: %q", runs[1].lines)
	}
}

// TestBuildCacheRepoUnreachable is a warning, once, and a normal build.
func TestBuildCacheRepoUnreachable(t *testing.T) {
	repo, err := buildcache.Open("127.0.0.1:1/cache")
	if err != nil {
		t.Fatal(err)
	}
	o := distroless(t, testModule, "./cmd/hello", "linux/amd64", "linux/arm64")
	l := &logs{}
	o.CacheRepo, o.Warn = repo, l.printf
	if o.Cache, err = layers.OpenCache(t.TempDir()); err != nil {
		t.Fatal(err)
	}
	if _, err := Build(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	if n := l.count("cache repository 127.0.0.1:1/cache"); n != 1 {
		t.Errorf("%d warnings about the cache repository, want 1: %q", n, l.lines)
	}
}
