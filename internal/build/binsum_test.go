package build

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mingo-build/mingo/internal/stamp"
)

// TestStampedSum checks that a recorded stamp spares the hash only while
// the binary is the file hashed: a rewrite of the same size, even with
// its mtime put back, is hashed again and found damaged.
func TestStampedSum(t *testing.T) {
	w := &workspace{dir: t.TempDir()}
	bin := filepath.Join(w.dir, "app")
	old := time.Now().Add(-time.Hour)
	if err := os.WriteFile(bin, []byte("binary one"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(bin, old, old); err != nil {
		t.Fatal(err)
	}
	first, _, err := w.settle([]string{"app"}, map[string]string{}, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := w.stamped("app"); ok {
		t.Fatal("a stamp taken within the clock granularity of the change time was recorded")
	}
	// Settled: pretend the record was written long after the file.
	if err := os.WriteFile(w.stampPath("app"), []byte(stampLine(t, bin, first["app"])), 0o644); err != nil {
		t.Fatal(err)
	}
	if sum, ok := w.stamped("app"); !ok || sum != first["app"] {
		t.Fatalf("stamped = %q, %t; want the recorded digest", sum, ok)
	}
	if err := os.WriteFile(bin, []byte("binary two"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(bin, old, old); err != nil {
		t.Fatal(err)
	}
	if _, ok := w.stamped("app"); ok {
		t.Fatal("a rewritten binary with its mtime put back kept its stamp")
	}
}

func stampLine(t *testing.T, bin, sum string) string {
	t.Helper()
	st, ok := stamp.Path(bin)
	if !ok {
		t.Skip("no stamps on this system")
	}
	return fmt.Sprintf("%d %d %d %d %s\n", st.Ino, st.Size, st.MTime, st.CTime, sum)
}
