package stamp

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Settle returns as soon as the file system has ticked past a fresh
// stamp, well before the wall-clock margin, and the next write of the file
// then changes its stamp: the property a recorded stamp relies on.
func TestClockSettle(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "bin")
	if err := os.WriteFile(p, []byte("one"), 0o644); err != nil {
		t.Fatal(err)
	}
	st, ok := Path(p)
	if !ok {
		t.Skip("no stamps on this system")
	}
	clock := Clock{Probe: filepath.Join(dir, "clock")}
	t0 := time.Now()
	settled := clock.Settle([]Stamp{st})
	waited := time.Since(t0)
	if !settled(st) {
		t.Fatalf("a stamp taken before Settle is not settled after it (waited %v)", waited)
	}
	if st.Settled(time.Now()) {
		t.Logf("the wall clock would have settled it too (waited %v)", waited)
	}
	if err := os.WriteFile(p, []byte("two"), 0o644); err != nil {
		t.Fatal(err)
	}
	if again, _ := Path(p); again == st {
		t.Fatalf("a write after Settle kept the stamp %+v", st)
	}
	t.Logf("settled in %v", waited)
}

// A stamp from the future never settles: Settle gives up after
// FineGranularity and the stamp is not recorded.
func TestClockSettleGivesUp(t *testing.T) {
	dir := t.TempDir()
	clock := Clock{Probe: filepath.Join(dir, "clock")}
	if _, ok := clock.Now(); !ok {
		t.Skip("no stamps on this system")
	}
	future := Stamp{Ino: 1, Size: 1, MTime: time.Now().Add(time.Hour).UnixNano(), CTime: 1}
	t0 := time.Now()
	settled := clock.Settle([]Stamp{future})
	if d := time.Since(t0); d < FineGranularity || d > 10*FineGranularity {
		t.Errorf("Settle took %v, want about %v", d, FineGranularity)
	}
	if settled(future) {
		t.Error("a stamp from the future is settled")
	}
	if !settled(Stamp{Ino: 1, Size: 1, MTime: 1, CTime: 1}) {
		t.Error("an old stamp is not settled")
	}
}

// Where the probe cannot be written, Settle falls back on the wall clock.
func TestClockWithoutProbe(t *testing.T) {
	clock := Clock{Probe: filepath.Join(t.TempDir(), "missing", "clock")}
	if _, ok := clock.Now(); ok {
		t.Fatal("Now read a probe in a missing directory")
	}
	old := Stamp{Ino: 1, Size: 1, MTime: 1e6 + 1, CTime: 1e6 + 1}
	fresh := Stamp{Ino: 1, Size: 1, MTime: time.Now().Add(time.Hour).UnixNano() + 1, CTime: 1}
	settled := clock.Settle([]Stamp{old})
	if !settled(old) || settled(fresh) {
		t.Errorf("settled(old) = %t, settled(fresh) = %t; want true, false", settled(old), settled(fresh))
	}
}
