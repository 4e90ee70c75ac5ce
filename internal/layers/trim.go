package layers

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/mingo-build/mingo/internal/atomicfile"
	"github.com/mingo-build/mingo/internal/gotool"
	"github.com/mingo-build/mingo/internal/stamp"
)

// DefaultMaxAge is how long a cache entry may go unused before a trim
// removes it: five days, as Go's build cache.
const DefaultMaxAge = 5 * 24 * time.Hour

// TrimInterval is the least time between two automatic trims.
const TrimInterval = 24 * time.Hour

// ErrBusy is a cache another mingo run is using right now.
var ErrBusy = errors.New("the cache is in use by another mingo run")

// Usage is what the cache holds.
type Usage struct {
	// Files is the number of files, Bytes their total size.
	Files int
	Bytes int64
}

// The cache's lock file and the record of the last trim, at its root.
const (
	lockName = "lock"
	trimName = "trim.txt"
)

// Every entry a run uses has its modification time set to the time of use
// (touch), so a trim can tell used entries from unused ones. A run holds
// the cache's lock shared while it looks an entry up and touches it, and a
// trim holds it exclusively, so no entry is removed between the lookup that
// found it and the touch that marks it used. Binaries are guarded by their
// workspace's own lock, which a run holds while it builds and layers them.

// Use holds the cache's lock shared until the returned function is called:
// meanwhile no trim removes anything, so a caller can find an entry and
// mark it used (or lock it) without a trim taking it in between. Without
// the lock file (a read-only cache) it guards nothing.
func (c *Cache) Use() func() { return c.shared() }

// shared takes the cache lock for a lookup; the returned function releases
// it.
func (c *Cache) shared() func() {
	f, err := os.OpenFile(filepath.Join(c.dir, lockName), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return func() {}
	}
	if lockShared(f) != nil {
		f.Close()
		return func() {}
	}
	return func() { f.Close() }
}

// exclusive takes the cache lock for a trim or clean: at once, or
// ErrBusy when wait is false and another run holds it.
func (c *Cache) exclusive(wait bool) (func(), error) {
	f, err := os.OpenFile(filepath.Join(c.dir, lockName), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := lockExclusive(f, wait); err != nil {
		f.Close()
		return nil, err
	}
	return func() { f.Close() }, nil
}

// readRecord reads the record under keys/name.
func (c *Cache) readRecord(name string) (record, bool) {
	var r record
	b, err := os.ReadFile(filepath.Join(c.dir, "keys", name))
	if err != nil || json.Unmarshal(b, &r) != nil || !strings.HasPrefix(r.Digest, "sha256:") {
		return r, false
	}
	return r, true
}

// lookupUsed looks key up under the shared lock and, when found, marks the
// record and its blob used.
func (c *Cache) lookupUsed(key string, comp Compression) *Layer {
	defer c.shared()()
	l := c.lookup(key, comp)
	if l == nil {
		return nil
	}
	held, err := c.claim(filepath.Join("keys", key), c.rel(l.path))
	if err != nil {
		return nil // unprotected, it could go any moment: build it again
	}
	l.held = held
	touch(filepath.Join(c.dir, "keys", key))
	touch(l.path)
	if st, ok := stamp.Path(l.path); ok {
		c.verified(l, st)
	}
	return l
}

// usedInterval is how recent a use a touch leaves as it is, as Go's build
// cache does (an hour there). Touching changes the blob's stamp, which
// must then be recorded again (a truncating write, milliseconds each on a
// busy ext4): at rest a thirty-binary build did that for every blob. A
// trim's ages are off by at most this; what a running build uses is
// protected by its lease, not by ages.
const usedInterval = time.Minute

// touch marks path as used now, unless it was within usedInterval.
func touch(path string) {
	now := time.Now()
	if fi, err := os.Stat(path); err == nil && fi.ModTime().After(now.Add(-usedInterval)) && !fi.ModTime().After(now) {
		return
	}
	_ = os.Chtimes(path, now, now)
}

// TrimIfDue trims entries unused for maxAge when the last trim is
// TrimInterval or more before now, and records now as the last trim. It
// reports whether it trimmed; a cache another run holds is left for the
// next time, without an error.
func (c *Cache) TrimIfDue(now time.Time, maxAge time.Duration) (bool, error) {
	if last, ok := c.lastTrim(); ok && now.Sub(last) < TrimInterval && !now.Before(last) {
		return false, nil
	}
	_, err := c.Trim(now, maxAge)
	if errors.Is(err, ErrBusy) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, atomicfile.WriteFile(filepath.Join(c.dir, trimName), []byte(strconv.FormatInt(now.Unix(), 10)+"\n"), 0o644)
}

func (c *Cache) lastTrim() (time.Time, bool) {
	b, err := os.ReadFile(filepath.Join(c.dir, trimName))
	if err != nil {
		return time.Time{}, false
	}
	sec, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	return time.Unix(sec, 0), true
}

// Trim removes the layers, keys and binaries unused since before
// now-maxAge (with maxAge 0: everything unused), and keys whose blob is
// gone. It never removes what a running build looked up or wrote (see
// lease.go), nor the binaries a running build holds, and fails with
// ErrBusy, removing nothing, while another run is looking entries up.
func (c *Cache) Trim(now time.Time, maxAge time.Duration) (Usage, error) {
	if maxAge < 0 {
		return Usage{}, fmt.Errorf("trimming the cache: maximum age %s is negative", maxAge)
	}
	unlock, err := c.exclusive(false)
	if err != nil {
		return Usage{}, err
	}
	defer unlock()
	held := c.leased()
	old := unused(held, now, now.Add(-maxAge))
	var freed Usage
	for _, dir := range []string{filepath.Join(c.dir, "blobs", "sha256"), filepath.Join(c.dir, "blobs"), filepath.Join(c.dir, "keys")} {
		freed.add(removeFiles(dir, old))
	}
	freed.add(c.removeKeysWithoutBlob(held))
	freed.add(c.removeWorkspaces(func(fi fs.FileInfo) bool { return !fi.ModTime().After(now.Add(-maxAge)) }))
	freed.add(removeTree(filepath.Join(c.dir, GoCacheDir), old))
	freed.add(removeTree(filepath.Join(c.dir, gotool.MemoDir), old))
	freed.add(removeTree(filepath.Join(c.dir, StampsDir), old))
	freed.add(removeTree(filepath.Join(c.dir, SourcesDir), old))
	freed.add(removeTree(filepath.Join(c.dir, OutputsDir), old))
	freed.add(removeTree(filepath.Join(c.dir, ToolboxCacheDir), old))
	freed.add(removeTree(filepath.Join(c.dir, VCSDir), old))
	return freed, nil
}

// unused returns the test for a file a trim may remove: last used at or
// before cutoff, not held by a running build and, for a temporary file,
// old enough that no run is still writing it.
func unused(held map[string]bool, now, cutoff time.Time) func(string, fs.FileInfo) bool {
	staleTmp := now.Add(-atomicfile.StaleAge)
	return func(path string, fi fs.FileInfo) bool {
		if held[path] || fi.ModTime().After(cutoff) {
			return false
		}
		name := fi.Name()
		if strings.HasPrefix(name, "tmp-") || strings.Contains(name, ".tmp-") {
			return fi.ModTime().Before(staleTmp)
		}
		return true
	}
}

// Clean removes everything the cache holds but what running builds use;
// it waits for lookups in progress to finish.
func (c *Cache) Clean() (Usage, error) {
	unlock, err := c.exclusive(true)
	if err != nil {
		return Usage{}, err
	}
	defer unlock()
	now := time.Now()
	unused := unused(c.leased(), now, now)
	var freed Usage
	freed.add(c.removeWorkspaces(func(fs.FileInfo) bool { return true }))
	entries, err := os.ReadDir(c.dir)
	if err != nil {
		return freed, err
	}
	for _, e := range entries {
		p := filepath.Join(c.dir, e.Name())
		switch e.Name() {
		case lockName, "bin", leasesDir:
			continue
		case "blobs", "keys":
			freed.add(removeTree(p, unused))
			continue
		}
		u, _ := du(p)
		if err := os.RemoveAll(p); err != nil {
			return freed, fmt.Errorf("cleaning the cache: %w", err)
		}
		freed.add(u)
	}
	// Leave the cache usable: its directories exist again.
	_, err = OpenCache(c.dir)
	return freed, err
}

// Usage returns how many files the cache holds and their size.
func (c *Cache) Usage() (Usage, error) { return du(c.dir) }

func (u *Usage) add(v Usage) { u.Files += v.Files; u.Bytes += v.Bytes }

func du(root string) (Usage, error) {
	var u Usage
	err := filepath.WalkDir(root, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.Type().IsRegular() {
			if fi, err := d.Info(); err == nil {
				u.Files++
				u.Bytes += fi.Size()
			}
		}
		return nil
	})
	return u, err
}

// removeFiles removes the regular files directly in dir that match.
func removeFiles(dir string, match func(string, fs.FileInfo) bool) Usage {
	var u Usage
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		fi, err := e.Info()
		if err != nil || !fi.Mode().IsRegular() || !match(p, fi) {
			continue
		}
		if os.Remove(p) == nil {
			u.Files++
			u.Bytes += fi.Size()
		}
	}
	return u
}

// GoCacheDir is the directory, in the cache, of the local tier of Go's
// build cache that mingo gocache keeps: a trim removes its files no run
// used (they are touched when used) for the maximum age. mingo gocache
// holds the cache's lock shared while it serves (see Use), so that no
// trim removes a file the go command is about to read.
const GoCacheDir = "gocache"

// ToolboxCacheDir is the cache's directory for the debug toolbox's busybox
// binaries, read out of the toolbox image once and kept by its digest;
// trimmed like the layers.
const ToolboxCacheDir = "toolbox"

// VCSDir is the cache's directory for what git said of each checkout, with
// the stamps of the files it read (see build's vcsmemo.go); trimmed like
// the layers.
const VCSDir = "vcs"

// removeTree removes the regular files under root that match.
func removeTree(root string, match func(string, fs.FileInfo) bool) Usage {
	var u Usage
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return nil
		}
		if fi, err := d.Info(); err == nil && match(p, fi) && os.Remove(p) == nil {
			u.Files++
			u.Bytes += fi.Size()
		}
		return nil
	})
	return u
}

// removeKeysWithoutBlob removes the records whose blob a trim removed,
// but for those a running build holds.
func (c *Cache) removeKeysWithoutBlob(held map[string]bool) Usage {
	return removeFiles(filepath.Join(c.dir, "keys"), func(p string, fi fs.FileInfo) bool {
		r, ok := c.readRecord(fi.Name())
		if !ok || held[p] {
			return false // not ours to judge; lookup drops damaged records
		}
		_, hex, _ := strings.Cut(r.Digest, ":")
		_, err := os.Stat(c.blobPath(hex))
		return errors.Is(err, fs.ErrNotExist)
	})
}

// removeWorkspaces removes the build directories under bin/ whose lock
// file matches (its time is when a build last used it) and that no running
// build holds.
func (c *Cache) removeWorkspaces(match func(fs.FileInfo) bool) Usage {
	var u Usage
	bin := filepath.Join(c.dir, "bin")
	entries, _ := os.ReadDir(bin)
	for _, e := range entries {
		dir := filepath.Join(bin, e.Name())
		lock, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_RDWR, 0)
		if err != nil {
			continue
		}
		fi, err := lock.Stat()
		if err != nil || !match(fi) || lockExclusive(lock, false) != nil {
			lock.Close()
			continue // in use, or used recently
		}
		size, _ := du(dir)
		if os.RemoveAll(dir) == nil {
			u.add(size)
		}
		lock.Close()
	}
	return u
}

// TouchWorkspace marks a build directory under the cache as used now; the
// builder calls it when it takes the directory's lock.
func TouchWorkspace(lockFile string) { touch(lockFile) }

// ErrMaxAge is wrapped by the error for a MINGO_CACHE_MAX_AGE that is
// neither a duration nor "off".
var ErrMaxAge = errors.New("want a duration such as 120h or 7d, or off")

// DefaultCacheMaxAge is $MINGO_CACHE_MAX_AGE (a Go duration, a number of
// days such as "7d", or "off", which is 0: never trim), or DefaultMaxAge.
func DefaultCacheMaxAge() (time.Duration, error) {
	return ParseMaxAge(os.Getenv("MINGO_CACHE_MAX_AGE"))
}

// ParseMaxAge reads a maximum age as DefaultCacheMaxAge does; "" means
// DefaultMaxAge.
func ParseMaxAge(s string) (time.Duration, error) {
	switch s {
	case "":
		return DefaultMaxAge, nil
	case "off", "0":
		return 0, nil
	}
	if days, ok := strings.CutSuffix(s, "d"); ok {
		if n, err := strconv.Atoi(days); err == nil && n > 0 && n < 100000 {
			return time.Duration(n) * 24 * time.Hour, nil
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return d, nil
	}
	return 0, fmt.Errorf("cache maximum age %q: %w", s, ErrMaxAge)
}
