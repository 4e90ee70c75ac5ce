package layers

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// backdate sets path's times to when.
func backdate(t *testing.T, path string, when time.Time) {
	t.Helper()
	if err := os.Chtimes(path, when, when); err != nil {
		t.Fatal(err)
	}
}

func exists(path string) bool { _, err := os.Stat(path); return err == nil }

// workspaceAt makes a build directory under bin/ with a binary, as the
// builder does, its lock file last used at when.
func workspaceAt(t *testing.T, c *Cache, name string, when time.Time) (dir string) {
	t.Helper()
	dir = filepath.Join(c.Dir(), "bin", name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "app"), []byte("binary"), 0o755)
	os.WriteFile(filepath.Join(dir, ".lock"), nil, 0o644)
	backdate(t, filepath.Join(dir, ".lock"), when)
	return dir
}

// endedBuild builds layers from sampleEntries with each compression as a
// run that has ended does: through its own cache, closed after.
func endedBuild(t *testing.T, c *Cache, comps ...Compression) []*Layer {
	t.Helper()
	b, err := OpenCache(c.Dir())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	var ls []*Layer
	for _, comp := range comps {
		l, err := Build(b, sampleEntries(), Options{Compression: comp})
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
	}
	return ls
}

// Entries unused for longer than the maximum age go; fresh ones, and the
// binaries of a build running now, stay; a build after the trim works.
func TestTrim(t *testing.T) {
	c := mustCache(t)
	now := time.Now()
	old := now.Add(-6 * 24 * time.Hour)
	built := endedBuild(t, c, Gzip, Zstd)
	oldLayer, freshLayer := built[0], built[1]
	oldKeys, _ := filepath.Glob(filepath.Join(c.Dir(), "keys", "*"))
	for _, k := range oldKeys {
		if r, _ := c.readRecord(filepath.Base(k)); r.Digest == oldLayer.digest.String() {
			backdate(t, k, old)
		}
	}
	backdate(t, oldLayer.path, old)
	oldBin := workspaceAt(t, c, "old", old)
	freshBin := workspaceAt(t, c, "fresh", now.Add(-time.Hour))
	busyBin := workspaceAt(t, c, "busy", old)
	busy, err := os.OpenFile(filepath.Join(busyBin, ".lock"), os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	if err := lockExclusive(busy, false); err != nil {
		t.Fatal(err)
	}

	// A run looking entries up holds the cache: nothing is trimmed.
	release := c.Use()
	if _, err := c.Trim(now, DefaultMaxAge); !errors.Is(err, ErrBusy) {
		t.Errorf("Trim while a run uses the cache: %v, want ErrBusy", err)
	}
	if ran, err := c.TrimIfDue(now, DefaultMaxAge); ran || err != nil {
		t.Errorf("TrimIfDue while a run uses the cache: %t, %v", ran, err)
	}
	release()
	if !exists(oldLayer.path) || !exists(oldBin) {
		t.Fatal("entries removed while the cache was in use")
	}

	ran, err := c.TrimIfDue(now, DefaultMaxAge)
	if err != nil || !ran {
		t.Fatalf("TrimIfDue: %t, %v", ran, err)
	}
	if exists(oldLayer.path) || exists(oldBin) {
		t.Error("entries unused for six days survived")
	}
	if !exists(freshLayer.path) || !exists(freshBin) {
		t.Error("fresh entries were removed")
	}
	if !exists(busyBin) {
		t.Error("the binaries of a running build were removed")
	}
	if keys, _ := filepath.Glob(filepath.Join(c.Dir(), "keys", "*")); len(keys) != 1 {
		t.Errorf("keys left: %v, want the fresh layer's", keys)
	}

	// At most once a day.
	backdate(t, freshLayer.path, old)
	if ran, _ := c.TrimIfDue(now.Add(time.Hour), DefaultMaxAge); ran {
		t.Error("trimmed twice within a day")
	}
	if ran, _ := c.TrimIfDue(now.Add(25*time.Hour), DefaultMaxAge); !ran || exists(freshLayer.path) {
		t.Errorf("a day later: trimmed %t, the now old layer is there: %t", ran, exists(freshLayer.path))
	}

	// A build right after a trim rebuilds what went.
	again := endedBuild(t, c, Gzip)[0]
	if again.digest != oldLayer.digest || !exists(again.path) {
		t.Errorf("rebuilt layer %s (present: %t), want %s", again.digest, exists(again.path), oldLayer.digest)
	}
	if files := readLayer(t, again); files["usr/local/bin/app"].data != "#!binary" {
		t.Error("rebuilt layer has the wrong content")
	}
}

// A lookup marks the entry used, so that an entry in use is never old.
func TestLookupTouches(t *testing.T) {
	c := mustCache(t)
	l, err := Build(c, sampleEntries(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-10 * 24 * time.Hour)
	backdate(t, l.path, old)
	if _, err := Build(c, sampleEntries(), Options{}); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(l.path); fi.ModTime().Before(time.Now().Add(-time.Minute)) {
		t.Errorf("blob time %s after a lookup, want now", fi.ModTime())
	}
	if u, _ := c.Trim(time.Now(), DefaultMaxAge); u.Files != 0 || !exists(l.path) {
		t.Errorf("trim after the lookup removed %+v", u)
	}
}

// Clean empties the cache, but for a running build's binaries, and leaves
// it usable; Usage counts what it holds.
func TestCleanAndUsage(t *testing.T) {
	c := mustCache(t)
	endedBuild(t, c, Gzip)
	workspaceAt(t, c, "idle", time.Now())
	busyBin := workspaceAt(t, c, "busy", time.Now())
	busy, _ := os.OpenFile(filepath.Join(busyBin, ".lock"), os.O_RDWR, 0)
	defer busy.Close()
	lockExclusive(busy, false)
	before, err := c.Usage()
	if err != nil || before.Files < 5 || before.Bytes <= 0 {
		t.Fatalf("Usage = %+v, %v", before, err)
	}
	freed, err := c.Clean()
	if err != nil {
		t.Fatal(err)
	}
	after, _ := c.Usage()
	if freed.Files == 0 || after.Files != 3 || after.Bytes != int64(len("binary")) || !exists(busyBin) {
		t.Errorf("Clean freed %+v; left %+v (want the busy build's binary and lock, and the cache lock)", freed, after)
	}
	if _, err := Build(c, sampleEntries(), Options{}); err != nil {
		t.Errorf("build after Clean: %v", err)
	}
}

func TestParseMaxAge(t *testing.T) {
	for in, want := range map[string]time.Duration{"": DefaultMaxAge, "off": 0, "0": 0, "7d": 7 * 24 * time.Hour, "36h": 36 * time.Hour} {
		if got, err := ParseMaxAge(in); err != nil || got != want {
			t.Errorf("ParseMaxAge(%q) = %s, %v; want %s", in, got, err, want)
		}
	}
	for _, in := range []string{"soon", "-1h", "0d", "5 days"} {
		if _, err := ParseMaxAge(in); !errors.Is(err, ErrMaxAge) {
			t.Errorf("ParseMaxAge(%q) = %v, want ErrMaxAge", in, err)
		}
	}
}

// TestTrimGoCache: the files of mingo gocache's local tier unused for the
// maximum age go, fresh ones stay.
func TestTrimGoCache(t *testing.T) {
	c := mustCache(t)
	now := time.Now()
	dir := filepath.Join(c.Dir(), GoCacheDir, "o", "ab")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	oldOut, freshOut := filepath.Join(dir, "ab01"), filepath.Join(dir, "ab02")
	os.WriteFile(oldOut, []byte("old output"), 0o644)
	os.WriteFile(freshOut, []byte("fresh output"), 0o644)
	backdate(t, oldOut, now.Add(-6*24*time.Hour))
	u, err := c.Trim(now, DefaultMaxAge)
	if err != nil {
		t.Fatal(err)
	}
	if exists(oldOut) || !exists(freshOut) || u.Files != 1 {
		t.Errorf("after trim: old %t, fresh %t, %d files removed", exists(oldOut), exists(freshOut), u.Files)
	}
}
