package layers

import (
	"archive/tar"
	"bytes"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func content(s string) (int64, func() (io.ReadCloser, error)) {
	return int64(len(s)), func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(s)), nil }
}

func sampleEntries() []Entry {
	size, open := content("#!binary")
	cfgSize, cfgOpen := content("key=value\n")
	return []Entry{
		{Path: "/usr/local/bin/app", Mode: 0o755, Size: size, Open: open},
		{Path: "/etc/app/config", Mode: 0o644, Size: cfgSize, Open: cfgOpen},
		{Path: "/tmp", Mode: fs.ModeDir | fs.ModeSticky | 0o777},
		{Path: "/home/nonroot", Mode: fs.ModeDir | 0o700, UID: 65532, GID: 65532},
		{Path: "/usr/local/bin/link", Mode: fs.ModeSymlink | 0o777, Linkname: "app"},
	}
}

func mustCache(t *testing.T) *Cache {
	t.Helper()
	c, err := OpenCache(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func digests(t *testing.T, l *Layer) (string, string) {
	t.Helper()
	d, _ := l.Digest()
	id, _ := l.DiffID()
	return d.String(), id.String()
}

// The same entries give the same digests, whatever order they are listed
// in and whichever cache (machine) builds them.
func TestBuildIsDeterministic(t *testing.T) {
	entries := sampleEntries()
	a, err := Build(mustCache(t), entries, Options{})
	if err != nil {
		t.Fatal(err)
	}
	reversed := make([]Entry, len(entries))
	for i, e := range entries {
		reversed[len(entries)-1-i] = e
	}
	b, err := Build(mustCache(t), reversed, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ad, aid := digests(t, a)
	bd, bid := digests(t, b)
	if ad != bd || aid != bid {
		t.Fatalf("same entries, different layers: %s/%s vs %s/%s", ad, aid, bd, bid)
	}
	c, err := Build(mustCache(t), entries, Options{ModTime: time.Unix(1700000000, 0)})
	if err != nil {
		t.Fatal(err)
	}
	if cd, _ := digests(t, c); cd == ad {
		t.Fatal("a different mtime gave the same digest")
	}
}

func TestBuildHeaders(t *testing.T) {
	l, err := Build(mustCache(t), sampleEntries(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	rc, err := l.Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	var names []string
	modes := map[string]int64{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
		modes[h.Name] = h.Mode
		if !h.ModTime.Equal(time.Unix(0, 0)) {
			t.Errorf("%s: mtime %v, want the epoch", h.Name, h.ModTime)
		}
		if h.Uname != "" || h.Gname != "" {
			t.Errorf("%s: owner names %q/%q recorded", h.Name, h.Uname, h.Gname)
		}
		if h.Name == "home/nonroot/" && (h.Uid != 65532 || h.Gid != 65532) {
			t.Errorf("home/nonroot owned by %d:%d", h.Uid, h.Gid)
		}
		if h.Name != "home/nonroot/" && (h.Uid != 0 || h.Gid != 0) {
			t.Errorf("%s owned by %d:%d, want 0:0", h.Name, h.Uid, h.Gid)
		}
	}
	want := []string{"etc/", "etc/app/", "etc/app/config", "home/", "home/nonroot/", "tmp/", "usr/", "usr/local/", "usr/local/bin/", "usr/local/bin/app", "usr/local/bin/link"}
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Errorf("entries = %v, want %v", names, want)
	}
	for name, mode := range map[string]int64{"usr/": 0o755, "tmp/": 0o1777, "usr/local/bin/app": 0o755, "etc/app/config": 0o644, "home/nonroot/": 0o700} {
		if modes[name] != mode {
			t.Errorf("%s mode %o, want %o", name, modes[name], mode)
		}
	}
}

func TestBuildUsesCache(t *testing.T) {
	c := mustCache(t)
	a, err := Build(c, sampleEntries(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	opened := false
	entries := sampleEntries()
	inner := entries[0].Open
	entries[0].Open = func() (io.ReadCloser, error) { opened = true; return inner() }
	b, err := Build(c, entries, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if a.path != b.path {
		t.Errorf("cache miss: %s vs %s", a.path, b.path)
	}
	if !opened {
		t.Error("cache key did not read the content: a changed file would be missed")
	}
	// A different content must not hit the same key.
	size, open := content("#!other")
	entries[0].Size, entries[0].Open = size, open
	d, err := Build(c, entries, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if ad, _ := digests(t, a); func() string { x, _ := digests(t, d); return x }() == ad {
		t.Error("changed content, same digest")
	}
	// A cached blob that went missing is rebuilt, not served broken.
	if err := os.Remove(a.path); err != nil {
		t.Fatal(err)
	}
	e, err := Build(c, sampleEntries(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(e.path); err != nil {
		t.Errorf("blob not rebuilt: %v", err)
	}
	leftovers, _ := filepath.Glob(filepath.Join(c.Dir(), "blobs", "tmp-*"))
	if len(leftovers) != 0 {
		t.Errorf("temporary files left in the cache: %v", leftovers)
	}
}

func TestBuildCompressedMatchesDigest(t *testing.T) {
	l, err := Build(mustCache(t), sampleEntries(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	rc, err := l.Compressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, rc); err != nil {
		t.Fatal(err)
	}
	size, _ := l.Size()
	if int64(buf.Len()) != size {
		t.Errorf("Size() = %d, blob has %d bytes", size, buf.Len())
	}
}

func TestBuildRejectsBadEntries(t *testing.T) {
	size, open := content("x")
	for name, entries := range map[string][]Entry{
		"relative path":   {{Path: "etc/x", Mode: 0o644, Size: size, Open: open}},
		"unclean path":    {{Path: "/etc/../x", Mode: 0o644, Size: size, Open: open}},
		"root":            {{Path: "/", Mode: fs.ModeDir | 0o755}},
		"duplicate":       {{Path: "/x", Mode: 0o644, Size: size, Open: open}, {Path: "/x", Mode: 0o644, Size: size, Open: open}},
		"file as parent":  {{Path: "/x", Mode: 0o644, Size: size, Open: open}, {Path: "/x/y", Mode: 0o644, Size: size, Open: open}},
		"file no content": {{Path: "/x", Mode: 0o644}},
		"wrong size":      {{Path: "/x", Mode: 0o644, Size: 5, Open: open}},
	} {
		if _, err := Build(mustCache(t), entries, Options{}); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
