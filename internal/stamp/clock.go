package stamp

import (
	"os"
	"time"
)

// Clock reads the clock a file system stamps files with, by writing a
// probe file on it: the kernel gives a write the time of its coarse clock
// (a tick of 1-10 ms), truncated to the file system's resolution. A stamp
// whose times are older than a write made after it was taken is settled:
// any later write of its file gets a later time, so a stamp equal to it
// still means the same bytes. Settled makes sure of that by waiting out
// the coarsest tick; asking the file system itself waits one tick at
// most, usually less.
type Clock struct {
	// Probe is a file the clock may create and write, on the file system
	// of the files whose stamps it settles.
	Probe string
}

// Now is the time (Unix nanoseconds) a file written now on the file
// system gets; ok is false if the probe cannot be written or stamped.
func (c Clock) Now() (int64, bool) {
	f, err := os.OpenFile(c.Probe, os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		return 0, false
	}
	defer f.Close()
	if _, err := f.WriteAt([]byte{'\n'}, 0); err != nil {
		return 0, false
	}
	fi, err := f.Stat()
	if err != nil {
		return 0, false
	}
	st, ok := Of(fi)
	return st.MTime, ok
}

// Settle waits, at most FineGranularity, until the file system has stamped
// a write later than every time of sts, and returns the test a stamp must
// pass to be recorded now: older than that write (or, if the probe cannot
// be written, Settled by the wall clock).
func (c Clock) Settle(sts []Stamp) func(Stamp) bool {
	if len(sts) == 0 {
		return func(Stamp) bool { return false } // nothing to record: no probe
	}
	deadline := time.Now().Add(FineGranularity)
	for {
		fsNow, ok := c.Now()
		if !ok {
			return c.settleByWallClock(sts)
		}
		older := func(s Stamp) bool { return s.MTime < fsNow && s.CTime < fsNow }
		all := true
		for _, s := range sts {
			all = all && older(s)
		}
		if all || time.Now().After(deadline) {
			return older
		}
		time.Sleep(time.Millisecond)
	}
}

// settleByWallClock waits until every stamp of sts is Settled, if that
// takes at most FineGranularity, and returns Settled's test.
func (Clock) settleByWallClock(sts []Stamp) func(Stamp) bool {
	now := time.Now()
	var wait time.Duration
	for _, s := range sts {
		wait = max(wait, s.SettlesIn(now))
	}
	if wait > 0 && wait <= FineGranularity {
		time.Sleep(wait)
	}
	return func(s Stamp) bool { return s.Settled(time.Now()) }
}
