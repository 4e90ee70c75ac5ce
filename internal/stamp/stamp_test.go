package stamp

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

// A write that keeps the size changes the stamp (ctime, mtime), and so
// does replacing the file by a rename (inode).
func TestPathChangesWithTheBytes(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("stamps are taken on Linux only")
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	if err := os.WriteFile(p, []byte("one"), 0o644); err != nil {
		t.Fatal(err)
	}
	first, ok := Path(p)
	if !ok {
		t.Fatal("no stamp for a regular file")
	}
	if again, _ := Path(p); again != first {
		t.Fatalf("stamp changed without a write: %+v then %+v", first, again)
	}
	time.Sleep(2 * FineGranularity)
	if err := os.WriteFile(p, []byte("two"), 0o644); err != nil {
		t.Fatal(err)
	}
	second, _ := Path(p)
	if second == first {
		t.Fatalf("same stamp after rewriting the bytes: %+v", second)
	}
	q := filepath.Join(dir, "g")
	if err := os.WriteFile(q, []byte("two"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(q, p); err != nil {
		t.Fatal(err)
	}
	if third, _ := Path(p); third.Ino == second.Ino {
		t.Fatalf("same inode after replacing the file: %+v", third)
	}
	if _, ok := Path(filepath.Join(dir, "missing")); ok {
		t.Fatal("a stamp for a missing file")
	}
}

// A stamp is settled only once both times are older than the resolution
// its digits show.
func TestSettled(t *testing.T) {
	now := time.Unix(1000, 0)
	fine := Stamp{MTime: now.Add(-30*time.Millisecond).UnixNano() + 1, CTime: now.Add(-30*time.Millisecond).UnixNano() + 1}
	if !fine.Settled(now) {
		t.Error("nanosecond times 30ms old are not settled")
	}
	coarse := Stamp{MTime: now.Add(-time.Second).UnixNano(), CTime: now.Add(-time.Second).UnixNano()}
	if coarse.Settled(now) {
		t.Error("whole-second times 1s old are settled (FAT keeps 2s)")
	}
	recent := fine
	recent.CTime = now.UnixNano() - 1
	if recent.Settled(now) {
		t.Error("a change time within the last tick is settled")
	}
}

// SettlesIn says how long until Settled holds, and no longer.
func TestSettlesIn(t *testing.T) {
	now := time.Unix(1000, 0)
	fine := Stamp{MTime: now.Add(-5*time.Millisecond).UnixNano() + 1, CTime: now.Add(-8*time.Millisecond).UnixNano() + 1}
	d := fine.SettlesIn(now)
	if d <= 0 || d > FineGranularity {
		t.Fatalf("SettlesIn = %v, want in (0, %v]", d, FineGranularity)
	}
	if fine.Settled(now.Add(d - 1)) {
		t.Errorf("settled before SettlesIn (%v)", d)
	}
	if !fine.Settled(now.Add(d)) || fine.SettlesIn(now.Add(d)) != 0 {
		t.Errorf("not settled after SettlesIn (%v)", d)
	}
}
