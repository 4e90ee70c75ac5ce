package buildcache

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/registry"

	"github.com/mingo-build/mingo/internal/layers"
)

// logs collects what a client says.
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

func openCache(t *testing.T) *layers.Cache {
	t.Helper()
	c, err := layers.OpenCache(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A miss is recorded; another machine (an empty local cache) then hits,
// and extracts the binary from the layer it fetched.
func TestClientRecordFetchExtract(t *testing.T) {
	ctx := context.Background()
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	repo, err := Open(strings.TrimPrefix(srv.URL, "http://") + "/cache")
	if err != nil {
		t.Fatal(err)
	}
	bin := Binary{Key: Key{Parts: map[string]string{"package": "example.com/app"}}, Package: "example.com/app", Platform: "linux/amd64"}
	host := filepath.Join(t.TempDir(), "app")
	if err := os.WriteFile(host, []byte("\x7fELF binary"), 0o755); err != nil {
		t.Fatal(err)
	}
	entry, err := layers.File(host, "/usr/local/bin/app", 0o755)
	if err != nil {
		t.Fatal(err)
	}
	first := &logs{}
	c := NewClient(repo, openCache(t), first.printf, first.printf)
	if hit := c.Fetch(ctx, bin, layers.Gzip); hit != nil {
		t.Fatal("hit in an empty repository")
	}
	if first.count("cache miss: example.com/app for linux/amd64 (not built before)") != 1 {
		t.Errorf("no miss reported: %q", first.lines)
	}
	layer, err := layers.Build(openCache(t), []layers.Entry{entry}, layers.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c.Record(ctx, bin, layer)
	c.Report()
	if first.count("could not record") != 0 || c.Down() {
		t.Errorf("recording failed: %q", first.lines)
	}

	second := &logs{}
	c = NewClient(repo, openCache(t), second.printf, second.printf)
	hit := c.Fetch(ctx, bin, layers.Gzip)
	if hit == nil || second.count("cache hit: example.com/app for linux/amd64") != 1 {
		t.Fatalf("no hit after Record: %q", second.lines)
	}
	dst := filepath.Join(t.TempDir(), "app")
	if err := c.Extract(bin, hit, "/usr/local/bin/app", dst); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(dst); err != nil || string(b) != "\x7fELF binary" {
		t.Errorf("extracted %q, %v", b, err)
	}
}

// An unreachable repository is one warning, then no more requests.
func TestClientUnreachable(t *testing.T) {
	repo, err := Open("127.0.0.1:1/cache")
	if err != nil {
		t.Fatal(err)
	}
	l := &logs{}
	c := NewClient(repo, openCache(t), l.printf, nil)
	bin := Binary{Key: Key{Parts: map[string]string{"package": "example.com/app"}}, Package: "example.com/app", Platform: "linux/amd64"}
	for range 2 {
		if hit := c.Fetch(context.Background(), bin, layers.Gzip); hit != nil {
			t.Fatal("hit from an unreachable repository")
		}
	}
	if !c.Down() || l.count("cache repository 127.0.0.1:1/cache") != 1 || len(l.lines) != 1 {
		t.Errorf("down %t, warnings %q; want one about the repository", c.Down(), l.lines)
	}
	var nilClient *Client
	if !nilClient.Down() {
		t.Error("a nil client is not down")
	}
	nilClient.Report()
}

// A read-only repository takes hits and records nothing, silently.
func TestClientReadOnly(t *testing.T) {
	ctx := context.Background()
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	repo, err := Open(strings.TrimPrefix(srv.URL, "http://") + "/cache")
	if err != nil {
		t.Fatal(err)
	}
	bin := Binary{Key: Key{Parts: map[string]string{"package": "example.com/app"}}, Package: "example.com/app", Platform: "linux/amd64"}
	host := filepath.Join(t.TempDir(), "app")
	if err := os.WriteFile(host, []byte("\x7fELF binary"), 0o755); err != nil {
		t.Fatal(err)
	}
	entry, err := layers.File(host, "/usr/local/bin/app", 0o755)
	if err != nil {
		t.Fatal(err)
	}
	layer, err := layers.Build(openCache(t), []layers.Entry{entry}, layers.Options{})
	if err != nil {
		t.Fatal(err)
	}
	said := &logs{}
	ro := NewClient(repo.ReadOnly(), openCache(t), said.printf, nil)
	ro.Record(ctx, bin, layer)
	ro.Report()
	if e, err := repo.Lookup(ctx, bin.Key); e != nil || err != nil {
		t.Fatalf("a read-only client recorded: %v, %v", e, err)
	}
	if len(said.lines) != 0 {
		t.Errorf("read-only client said %q", said.lines)
	}
	NewClient(repo, openCache(t), nil, nil).Record(ctx, bin, layer)
	if hit := ro.Fetch(ctx, bin, layers.Gzip); hit == nil {
		t.Error("a read-only client does not hit")
	}
}
