package buildcache

import (
	"context"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/mingo-build/mingo/internal/keytest"
	"github.com/mingo-build/mingo/internal/layers"
)

// newRepo opens a cache repository in a fresh in-memory registry.
func newRepo(t *testing.T) *Repo {
	t.Helper()
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	repo, err := Open(strings.TrimPrefix(srv.URL, "http://") + "/cache")
	if err != nil {
		t.Fatal(err)
	}
	return repo
}

// binaryLayer is the layer of a binary holding content, in a cache of its
// own.
func binaryLayer(t *testing.T, content string) *layers.Layer {
	t.Helper()
	l, err := layers.Build(openCache(t), []layers.Entry{mustFileEntry(t, content)}, layers.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

var (
	appBin   = Binary{Key: Key{Parts: map[string]string{"package": "example.com/app"}}, Package: "example.com/app", Platform: "linux/amd64"}
	otherBin = Binary{Key: Key{Parts: map[string]string{"package": "example.com/other"}}, Package: "example.com/other", Platform: "linux/amd64"}
)

// With a trust key, only an entry signed by it is a hit; anything else a
// writer of the repository can do is a miss with one warning naming the
// entry, never an error.
func TestTrustedLookup(t *testing.T) {
	ctx := context.Background()
	trusted, trustedPub := keytest.Pair(t)
	other, _ := keytest.Pair(t)
	good, bad := binaryLayer(t, "\x7fELF good"), binaryLayer(t, "\x7fELF PWNED")
	entryTag := keyTag(appBin.Key.Hex())
	for _, tc := range []struct {
		name string
		// write fills the repository as the case needs.
		write func(t *testing.T, repo *Repo)
		hit   bool
		warn  string // "" for no warning
	}{
		{"signed by the trusted key", func(t *testing.T, repo *Repo) {
			record(t, repo.SignedBy(trusted), appBin, good)
		}, true, ""},
		{"unsigned", func(t *testing.T, repo *Repo) {
			record(t, repo, appBin, bad)
		}, false, entryTag + ": not signed by the trusted key"},
		{"signed by another key", func(t *testing.T, repo *Repo) {
			record(t, repo.SignedBy(other), appBin, bad)
		}, false, entryTag + ": not signed by the trusted key"},
		{"signed entry rewritten by a writer without the key", func(t *testing.T, repo *Repo) {
			record(t, repo.SignedBy(trusted), appBin, good)
			record(t, repo, appBin, bad)
		}, false, entryTag + ": not signed by the trusted key"},
		{"tag pointing at another signed entry", func(t *testing.T, repo *Repo) {
			record(t, repo.SignedBy(trusted), otherBin, bad)
			retag(t, repo, keyTag(otherBin.Key.Hex()), entryTag)
		}, false, "corrupt"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			repo := newRepo(t)
			tc.write(t, repo)
			said := &logs{}
			c := NewClient(repo.Trusting(trustedPub), openCache(t), said.printf, nil)
			hit := c.Fetch(ctx, appBin, layers.Gzip)
			if (hit != nil) != tc.hit {
				t.Fatalf("hit = %v, want %t; said %q", hit, tc.hit, said.lines)
			}
			if hit != nil && digestOf(t, hit) != digestOf(t, good) {
				t.Fatal("the hit is not the signed layer")
			}
			switch {
			case tc.warn == "" && len(said.lines) != 0:
				t.Errorf("said %q, want nothing", said.lines)
			case tc.warn != "" && (len(said.lines) != 1 || !strings.Contains(said.lines[0], tc.warn) || !strings.Contains(said.lines[0], "example.com/app")):
				t.Errorf("said %q, want one warning naming %q and the package", said.lines, tc.warn)
			}
			if c.Down() {
				t.Error("an untrusted entry put the repository down")
			}
		})
	}
}

// record stores l as b's entry, failing the test on an error.
func record(t *testing.T, repo *Repo, b Binary, l v1.Layer) {
	t.Helper()
	if err := repo.Record(context.Background(), b.Key, b.pointer(), l); err != nil {
		t.Fatal(err)
	}
}

// retag points the tag to at the manifest from points at.
func retag(t *testing.T, repo *Repo, from, to string) {
	t.Helper()
	desc, err := remote.Get(repo.Name().Tag(from))
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Put(repo.Name().Tag(to), &rawManifest{desc.Manifest}); err != nil {
		t.Fatal(err)
	}
}

func digestOf(t *testing.T, l v1.Layer) v1.Hash {
	t.Helper()
	d, err := l.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// Signed entries carry cosign's signature beside them, which the public
// key verifies, and an entry's manifest is signed before a tag names it.
func TestSignedEntryVerifies(t *testing.T) {
	ctx := context.Background()
	trusted, pub := keytest.Pair(t)
	repo := newRepo(t)
	record(t, repo.SignedBy(trusted), appBin, binaryLayer(t, "\x7fELF good"))
	desc, err := remote.Get(repo.Name().Tag(keyTag(appBin.Key.Hex())))
	if err != nil {
		t.Fatal(err)
	}
	d := repo.Name().Digest(desc.Digest.String())
	if err := pub.Verify(ctx, d); err != nil {
		t.Fatalf("Verify of a signed entry: %v", err)
	}
	sigTag, _ := name.NewTag(repo.Name().String() + ":" + strings.Replace(desc.Digest.String(), ":", "-", 1) + ".sig")
	if _, err := remote.Head(sigTag); err != nil {
		t.Fatalf("no cosign signature tag: %v", err)
	}
	if last, err := repo.Trusting(pub).Last(ctx, appBin.pointer()); err != nil || last == nil {
		t.Errorf("Last of a signed pointer = %v, %v", last, err)
	}
	record(t, repo, appBin, binaryLayer(t, "\x7fELF PWNED"))
	if last, err := repo.Trusting(pub).Last(ctx, appBin.pointer()); err != nil || last != nil {
		t.Errorf("Last of an unsigned pointer = %v, %v; want none", last, err)
	}
}

// A machine that built a binary takes its own layer, whatever the
// repository's entry for the key says, with or without a trust key; a
// machine without it takes the entry when no trust key is set.
func TestOwnBuildBeforeRepository(t *testing.T) {
	ctx := context.Background()
	repo := newRepo(t)
	local := openCache(t)
	good := binaryLayer(t, "\x7fELF good")
	built, err := layers.Build(local, []layers.Entry{mustFileEntry(t, "\x7fELF good")}, layers.Options{})
	if err != nil {
		t.Fatal(err)
	}
	NewClient(repo, local, nil, nil).Record(ctx, appBin, built)
	record(t, repo, appBin, binaryLayer(t, "\x7fELF PWNED")) // a writer replaces the entry
	_, pub := keytest.Pair(t)
	for _, r := range []*Repo{repo, repo.Trusting(pub)} {
		said := &logs{}
		hit := NewClient(r, local, said.printf, said.printf).Fetch(ctx, appBin, layers.Gzip)
		if hit == nil || digestOf(t, hit) != digestOf(t, good) {
			t.Fatalf("warm machine: hit %v, want its own layer; said %q", hit, said.lines)
		}
		if said.count("built on this machine") != 1 {
			t.Errorf("said %q, want a hit built on this machine", said.lines)
		}
	}
	hit := NewClient(repo, openCache(t), nil, nil).Fetch(ctx, appBin, layers.Gzip)
	if hit == nil || digestOf(t, hit) == digestOf(t, good) {
		t.Fatal("cold machine without a trust key: want the repository's entry")
	}
}

func mustFileEntry(t *testing.T, content string) layers.Entry {
	t.Helper()
	host := filepath.Join(t.TempDir(), "app")
	if err := os.WriteFile(host, []byte(content), 0o755); err != nil {
		t.Fatal(err)
	}
	e, err := layers.File(host, "/usr/local/bin/app", 0o755)
	if err != nil {
		t.Fatal(err)
	}
	return e
}
