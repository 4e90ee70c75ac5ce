package layers

import (
	"context"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

// BuildFresh writes the very layer Build writes, returns the file's digest
// as FileSum gives it, and records the layer under the key Build looks up:
// the next build, which knows the digest, finds it without writing. So it
// does with its hashes aside, for a file of many chunks.
func TestBuildFresh(t *testing.T) {
	big := make([]byte, 5*asideChunk+12345)
	rand.NewChaCha8([32]byte{1}).Read(big)
	for _, tc := range []struct {
		name    string
		content []byte
		aside   bool
	}{
		{"small", []byte("a freshly linked binary"), false},
		{"small aside", []byte("a freshly linked binary"), true},
		{"big", big, false},
		{"big aside", big, true},
	} {
		t.Run(tc.name, func(t *testing.T) { testBuildFresh(t, tc.content, Options{HashAside: tc.aside}) })
	}
}

func testBuildFresh(t *testing.T, content []byte, opts Options) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "app")
	if err := os.WriteFile(bin, content, 0o755); err != nil {
		t.Fatal(err)
	}
	entry, err := File(bin, "/usr/local/bin/app", 0o755)
	if err != nil {
		t.Fatal(err)
	}
	c := mustCache(t)
	fresh, sums, err := BuildFresh(context.Background(), c, []Entry{entry}, opts)
	if err != nil {
		t.Fatal(err)
	}
	want, err := FileSum(bin)
	if err != nil {
		t.Fatal(err)
	}
	if sums[entry.Path] != want || len(sums) != 1 {
		t.Fatalf("sums = %v, want %s for %s", sums, want, entry.Path)
	}
	elsewhere, err := Build(mustCache(t), []Entry{entry}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	fd, fid := digests(t, fresh)
	if ed, eid := digests(t, elsewhere); fd != ed || fid != eid {
		t.Fatalf("BuildFresh wrote %s (%s), Build %s (%s)", fd, fid, ed, eid)
	}
	entry.Digest = want
	entry.Open = func() (io.ReadCloser, error) {
		t.Fatal("the layer was written again: BuildFresh recorded it under another key")
		return nil, nil
	}
	again, err := Build(c, []Entry{entry}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := digests(t, again); d != fd {
		t.Fatalf("lookup found %s, want %s", d, fd)
	}
	if tmps, _ := filepath.Glob(filepath.Join(c.Dir(), "blobs", "tmp-*")); len(tmps) > 0 {
		t.Errorf("temporary files left: %v", tmps)
	}
}
