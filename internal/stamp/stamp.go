// Package stamp tells whether a file may have changed without reading it:
// a stamp is what the kernel changes whenever a file's bytes do (inode,
// size, modification and change times). Two equal stamps of a path mean
// the same bytes, provided the first was taken once the file's times were
// older than the file system's clock granularity (see Settled): a write
// within the same tick could otherwise leave both times as they were.
package stamp

import (
	"io/fs"
	"os"
	"time"
)

// Granularity is the coarsest timestamp resolution the stamps trust:
// FAT's two seconds. FineGranularity is the file times' resolution on a
// file system that keeps nanoseconds (ext4, XFS, btrfs, tmpfs): the
// kernel's coarse clock ticks at most every 10ms (HZ=100), twice that.
const (
	Granularity     = 2 * time.Second
	FineGranularity = 20 * time.Millisecond
)

// Stamp identifies a version of a file; the zero Stamp matches nothing.
type Stamp struct {
	Ino, Size, MTime, CTime int64
}

// Of returns fi's stamp; ok is false where the platform gives no inode
// or change time (then nothing is trusted).
func Of(fi fs.FileInfo) (Stamp, bool) {
	return of(fi)
}

// Path stats path and returns its stamp.
func Path(path string) (Stamp, bool) {
	fi, err := os.Stat(path)
	if err != nil {
		return Stamp{}, false
	}
	return Of(fi)
}

// Settled reports whether s may be recorded at now: both its times are
// older than the file system's resolution, so a later write cannot share
// them. Times with sub-millisecond digits come from a file system that
// keeps them (FineGranularity); others may be FAT's (Granularity).
func (s Stamp) Settled(now time.Time) bool {
	return s.SettlesIn(now) == 0
}

// SettlesIn is how long after now s becomes settled (see Settled): 0 if
// it is already, at most FineGranularity on a file system that keeps
// fine times.
func (s Stamp) SettlesIn(now time.Time) time.Duration {
	g := Granularity
	if s.MTime%1e6 != 0 || s.CTime%1e6 != 0 {
		g = FineGranularity
	}
	limit := now.Add(-g).UnixNano()
	if s.MTime < limit && s.CTime < limit {
		return 0
	}
	return time.Duration(max(s.MTime, s.CTime)-limit) + 1
}
