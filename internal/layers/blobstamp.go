package layers

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/mingo-build/mingo/internal/stamp"
)

// A cached blob is verified (read and hashed) before a build uses it, so
// that a damaged one is rebuilt rather than pushed. At rest that reread
// every binary layer (a thirty-binary build read 300 MB). Once verified,
// a blob's stamp is recorded under stamps/HEX; a blob with that very stamp
// is the one verified and is not read again. A write to it changes the
// stamp, so it is verified again. Damage no write explains (a failing
// disk) is still caught where bytes leave the cache: Compressed verifies
// what it reads, so a bad blob fails the output instead of reaching it.

// StampsDir holds the blobs' stamps within the cache.
const StampsDir = "stamps"

func (c *Cache) stampPath(l *Layer) string {
	return filepath.Join(c.dir, StampsDir, l.digest.Hex)
}

// vouched reports whether l's blob has the stamp recorded when it was
// last verified.
func (c *Cache) vouched(l *Layer) bool {
	rec, err := os.ReadFile(c.stampPath(l))
	if err != nil {
		return false
	}
	var was stamp.Stamp
	if _, err := fmt.Sscanf(string(rec), "%d %d %d %d", &was.Ino, &was.Size, &was.MTime, &was.CTime); err != nil {
		return false
	}
	now, ok := stamp.Path(l.path)
	return ok && now == was && was.Size == l.size
}

// verified notes that l's blob, verified or vouched for, now has stamp
// st (taken after it was marked used); RecordStamps writes it.
func (c *Cache) verified(l *Layer, st stamp.Stamp) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stamps == nil {
		c.stamps = map[string]blobStamp{}
	}
	c.stamps[l.digest.Hex] = blobStamp{c.stampPath(l), l.path, st}
}

type blobStamp struct {
	file, blob string
	st         stamp.Stamp
}

// Clock reads the clock of the cache's file system (see stamp.Clock), on
// which the workspaces' binaries are too.
func (c *Cache) Clock() stamp.Clock {
	return stamp.Clock{Probe: filepath.Join(c.dir, clockName)}
}

// clockName is the probe file of Clock.
const clockName = "clock"

// PendingStamps are the stamps RecordStamps would record.
func (c *Cache) PendingStamps() []stamp.Stamp {
	c.mu.Lock()
	defer c.mu.Unlock()
	sts := make([]stamp.Stamp, 0, len(c.stamps))
	for _, b := range c.stamps {
		sts = append(sts, b.st)
	}
	return sts
}

// RecordStamps records the stamps of the blobs this build verified, at the
// end of the build, once touching them is long enough ago for their stamps
// to be settled (see stamp.Clock.Settle): a stamp that is not, or that
// changed since, is removed, so the next build verifies the blob again.
func (c *Cache) RecordStamps(settled func(stamp.Stamp) bool) {
	c.mu.Lock()
	pending := c.stamps
	c.stamps = nil
	c.mu.Unlock()
	if len(pending) > 0 {
		_ = os.MkdirAll(filepath.Join(c.dir, StampsDir), 0o755)
	}
	for _, b := range pending {
		now, ok := stamp.Path(b.blob)
		if !ok || now != b.st || !settled(b.st) {
			os.Remove(b.file)
			continue
		}
		rec := fmt.Sprintf("%d %d %d %d\n", b.st.Ino, b.st.Size, b.st.MTime, b.st.CTime)
		if was, err := os.ReadFile(b.file); err == nil && string(was) == rec {
			continue // the blob untouched since (see usedInterval): no write
		}
		_ = os.WriteFile(b.file, []byte(rec), 0o644) // without it, the next build verifies
	}
}

// OutputsDir holds, within the cache, the records of the file outputs
// builds wrote (see stamp.Records).
const OutputsDir = "outputs"

// OutputRecords are the records of file outputs kept in the cache at dir
// ("" the default cache); ok is false when there is no cache directory.
func OutputRecords(dir string) (stamp.Records, bool) {
	if dir == "" {
		var err error
		if dir, err = DefaultCacheDir(); err != nil {
			return stamp.Records{}, false
		}
	}
	return stamp.Records{Dir: filepath.Join(dir, OutputsDir), Clock: stamp.Clock{Probe: filepath.Join(dir, clockName)}}, true
}
