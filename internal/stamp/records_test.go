package stamp

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// A record holds while the file is left alone, and stops holding for
// another key, a rewrite with the same size and times, a replacement, a
// symlink in its place and a removal.
func TestRecords(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "image.tar")
	write := func(content string) {
		t.Helper()
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("archive one")
	if _, ok := Path(p); !ok {
		t.Skip("no stamps on this system")
	}
	r := Records{Dir: filepath.Join(dir, "outputs"), Clock: Clock{Probe: filepath.Join(dir, "clock")}}
	if r.Holds(p, "k1") {
		t.Fatal("holds before any record")
	}
	r.Record(p, "k1")
	if !r.Holds(p, "k1") {
		t.Fatal("a file just recorded does not hold")
	}
	if r.Holds(p, "k2") {
		t.Fatal("holds for another key")
	}
	fi, _ := os.Stat(p)
	write("archive two") // same size
	if err := os.Chtimes(p, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
	if r.Holds(p, "k1") {
		t.Fatal("holds after a rewrite of the same size with its times put back")
	}
	r.Record(p, "k1")
	other := filepath.Join(dir, "other.tar")
	if err := os.WriteFile(other, []byte("archive two"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(other, p); err != nil {
		t.Fatal(err)
	}
	if r.Holds(p, "k1") {
		t.Fatal("holds after the file was replaced")
	}
	r.Record(p, "k1")
	if err := os.Remove(p); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(other, p); err == nil {
		if r.Holds(p, "k1") {
			t.Fatal("holds for a symlink in the file's place")
		}
		os.Remove(p)
	}
	if r.Holds(p, "k1") {
		t.Fatal("holds for a removed file")
	}
}

// A stamp that cannot settle is not recorded, and removes the record it
// replaces: the next run reads the file.
func TestRecordsUnsettled(t *testing.T) {
	r, p := recordsIn(t, t.TempDir(), "archive")
	r.Record(p, "k1")
	if !r.Holds(p, "k1") {
		t.Fatal("not recorded")
	}
	// A file stamped in the future never settles within Settle's wait.
	future := time.Now().Add(time.Hour)
	if err := os.Chtimes(p, future, future); err != nil {
		t.Fatal(err)
	}
	r.Record(p, "k1")
	if r.Holds(p, "k1") {
		t.Fatal("an unsettled stamp was recorded")
	}
	if rec, _ := r.file(p); fileExists(rec) {
		t.Fatal("the old record was kept")
	}
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// A file on another file system than the clock's probe is never recorded:
// the probe's times say nothing of when its stamps settle.
func TestRecordsOtherFileSystem(t *testing.T) {
	dir := t.TempDir()
	other, err := os.MkdirTemp("/dev/shm", "records-")
	if err != nil {
		t.Skipf("no /dev/shm to hold a file on another file system: %v", err)
	}
	defer os.RemoveAll(other)
	r := Records{Dir: filepath.Join(dir, "outputs"), Clock: Clock{Probe: filepath.Join(dir, "clock")}}
	p := filepath.Join(other, "image.tar")
	if err := os.WriteFile(p, []byte("archive"), 0o644); err != nil {
		t.Fatal(err)
	}
	a, _ := os.Stat(p)
	b, _ := os.Stat(dir)
	da, _ := device(a)
	db, _ := device(b)
	if da == db {
		t.Skip("/dev/shm is on the temporary directory's file system here")
	}
	r.Record(p, "k1")
	if r.Holds(p, "k1") {
		t.Fatal("recorded a file on another file system")
	}
	same := filepath.Join(dir, "image.tar")
	if err := os.WriteFile(same, []byte("archive"), 0o644); err != nil {
		t.Fatal(err)
	}
	r.Record(same, "k1")
	if !r.Holds(same, "k1") {
		t.Fatal("did not record a file on the probe's file system")
	}
}

// Touch sets the times of a file the record holds, and records it again so
// that it still holds; another key, or a file changed since, is left alone.
func TestRecordsTouch(t *testing.T) {
	r, p := recordsIn(t, t.TempDir(), "archive")
	old := time.Now().Add(-time.Hour)
	os.Chtimes(p, old, old)
	r.Record(p, "k1")
	if r.Touch(p, "k2") {
		t.Fatal("touched for another key")
	}
	if !r.Touch(p, "k1") {
		t.Fatal("did not touch a file the record holds")
	}
	if fi, _ := os.Stat(p); !fi.ModTime().After(old) {
		t.Fatalf("mtime %v after Touch", fi.ModTime())
	}
	if !r.Holds(p, "k1") {
		t.Fatal("no longer holds after Touch")
	}
	if err := os.WriteFile(p, []byte("ARCHIVE"), 0o644); err != nil {
		t.Fatal(err)
	}
	if r.Touch(p, "k1") {
		t.Fatal("touched a file changed since")
	}
}

// recordsIn returns Records kept in dir, with their clock's probe there,
// and the path of a file there holding content; it skips where the system
// gives no stamps.
func recordsIn(t *testing.T, dir, content string) (Records, string) {
	t.Helper()
	p := filepath.Join(dir, "image.tar")
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, ok := Path(p); !ok {
		t.Skip("no stamps on this system")
	}
	return Records{Dir: filepath.Join(dir, "outputs"), Clock: Clock{Probe: filepath.Join(dir, "clock")}}, p
}
