package build

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mingo-build/mingo/internal/stamp"
)

// TestStampedSum checks that a recorded stamp spares the hash only while
// the binary is the file hashed: a fresh stamp is not recorded, and a
// rewrite of the same size, even with its times put back, is hashed again.
func TestStampedSum(t *testing.T) {
	if _, ok := stamp.Path(t.TempDir()); !ok {
		t.Skip("no stamps on this system")
	}
	w := &workspace{dir: t.TempDir(), seen: map[string]binStamp{}}
	bin := filepath.Join(w.dir, "app")
	if err := os.WriteFile(bin, []byte("binary one"), 0o755); err != nil {
		t.Fatal(err)
	}
	sums, _, err := w.settle([]string{"app"}, map[string]string{}, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	w.recordStamps(func(stamp.Stamp) bool { return false })
	if _, ok := w.stamped("app"); ok {
		t.Fatal("a stamp that is not settled was recorded")
	}
	clock := stamp.Clock{Probe: filepath.Join(t.TempDir(), "clock")}
	w.recordStamps(clock.Settle(w.pendingStamps()))
	if b, ok := w.stamped("app"); !ok || b.sum != sums["app"] {
		t.Fatalf("stamped = %v, %t; want the recorded digest %s", b, ok, sums["app"])
	}
	old := time.Now().Add(-time.Hour)
	if err := os.WriteFile(bin, []byte("binary two"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(bin, old, old); err != nil {
		t.Fatal(err)
	}
	if _, ok := w.stamped("app"); ok {
		t.Fatal("a rewritten binary with its times put back kept its stamp")
	}
}

// TestStampsKeepBuildID checks that a binary's record keeps its build ID,
// which buildIDs then gives without opening the binary, while its stamp
// holds.
func TestStampsKeepBuildID(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "app")
	if err := os.WriteFile(bin, []byte("binary"), 0o755); err != nil {
		t.Fatal(err)
	}
	st, ok := stamp.Path(bin)
	if !ok {
		t.Skip("no stamps on this system")
	}
	w := &workspace{dir: dir, seen: map[string]binStamp{"app": {st, "abc", "Go\x00\x00id/x"}}}
	if err := os.WriteFile(w.sumPath("app"), []byte("abc\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	w.recordStamps(func(stamp.Stamp) bool { return true })
	again := &workspace{dir: dir}
	if ids := again.buildIDs([]string{"app"}); ids["app"] != "Go\x00\x00id/x" {
		t.Fatalf("buildIDs = %q, want the recorded ID", ids["app"])
	}
	if b, ok := again.unchanged["app"]; !ok || b.sum != "abc" {
		t.Fatalf("unchanged = %+v, %t", b, ok)
	}
}
