package gocache

import (
	"context"
	"crypto/sha256"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/mingo-build/mingo/buildcache"
	"github.com/mingo-build/mingo/internal/keytest"
)

// warnings collects a cache's warnings.
type warnings struct {
	mu    sync.Mutex
	lines []string
}

func (w *warnings) warn(f string, a ...any) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.lines = append(w.lines, fmt.Sprintf(f, a...))
}

// With a trust key, the go command gets only outputs of entries signed by
// it and naming their action: an unsigned entry, one signed by another key
// and a tag moved to another action's signed entry are misses, and the
// first is one warning.
func TestGoCacheTrust(t *testing.T) {
	ctx := context.Background()
	repo := newRegistry(t)
	trusted, pub := keytest.Pair(t)
	other, _ := keytest.Pair(t)
	write := func(s buildcache.Signer, action, body string) {
		r := mustRegistry(repo)
		if s != nil {
			r.SignedBy(s)
		}
		c := newCache(t, Options{Registry: r})
		put(t, c, action, body)
		c.Close(ctx)
	}
	write(trusted, "signed", "good")
	write(nil, "unsigned", "PWNED")
	write(other, "other key", "PWNED")
	write(trusted, "moved", "good")
	write(trusted, "source", "PWNED")
	r := mustRegistry(repo)
	a, b := sha256.Sum256([]byte("source")), sha256.Sum256([]byte("moved"))
	desc, err := remote.Get(r.Name().Tag(Tag(a[:])))
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Put(r.Name().Tag(Tag(b[:])), rawManifest(desc.Manifest)); err != nil {
		t.Fatal(err)
	}
	r.Trusting(pub)
	w := &warnings{}
	c := newCache(t, Options{Registry: r, Warn: w.warn})
	for action, want := range map[string]string{"signed": "good", "unsigned": "<miss>", "other key": "<miss>", "moved": "<miss>"} {
		if got := get(t, c, action); got != want {
			t.Errorf("get %s = %q, want %q", action, got, want)
		}
	}
	if len(w.lines) != 1 || !strings.Contains(w.lines[0], "not signed by the trusted key") || !strings.Contains(w.lines[0], TagPrefix) {
		t.Errorf("warnings %q, want one naming an entry not signed by the trusted key", w.lines)
	}
	if s := c.Stats(); s.Untrusted != 2 || s.Corrupt != 1 || s.RemoteHits != 1 {
		t.Errorf("stats %+v, want 2 untrusted, 1 corrupt (the moved tag), 1 remote hit", s)
	}
}
