package stamp

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/mingo-build/mingo/internal/atomicfile"
)

// Records remembers, for files a program writes (an image tarball), the
// key of what each holds with its stamp, so that a run that would write
// the same bytes again knows they are there without reading them: the
// file's stamp is the one recorded, and no write can keep a settled stamp
// (see Clock).
type Records struct {
	// Dir holds one record per file, named by the digest of its absolute
	// path; Clock settles the stamps before they are recorded.
	Dir   string
	Clock Clock
}

// Holds reports whether the file at path is the one Record last noted
// with key: a regular file, with the stamp it had then.
func (r Records) Holds(path, key string) bool {
	rec, ok := r.file(path)
	if !ok {
		return false
	}
	b, err := os.ReadFile(rec)
	if err != nil {
		return false
	}
	now, ok := lstamp(path)
	return ok && string(b) == record(key, now)
}

// Touch sets the times of the file at path to now, as `go build` touches
// an up-to-date binary, if it is the file Record last noted with key, and
// records it again; it reports whether it did. The file touched must be
// the one checked: its inode and size after are those before.
func (r Records) Touch(path, key string) bool {
	if !r.Holds(path, key) {
		return false
	}
	before, _ := lstamp(path)
	now := time.Now()
	if os.Chtimes(path, now, now) != nil {
		return false
	}
	after, ok := lstamp(path)
	if !ok || after.Ino != before.Ino || after.Size != before.Size {
		return false // replaced meanwhile: Record or the next run reads it
	}
	r.record(path, key, after)
	return true
}

// Record notes that the file at path now holds key. Its stamp is recorded
// once settled; when it cannot be (it is too fresh, changed meanwhile, or
// on another file system than the clock's), the old record is removed
// instead, so that the next run reads the file. A failure to record only
// costs that read.
func (r Records) Record(path, key string) {
	st, _ := lstamp(path)
	r.record(path, key, st)
}

// record records st, the stamp of the file at path, with key, if it is
// settled and still path's.
func (r Records) record(path, key string, st Stamp) {
	rec, ok := r.file(path)
	if !ok {
		return
	}
	ok = st != Stamp{} && r.sameFileSystem(path)
	if ok {
		settled := r.Clock.Settle([]Stamp{st})
		again, _ := lstamp(path)
		ok = settled(st) && again == st
	}
	if !ok || os.MkdirAll(r.Dir, 0o755) != nil {
		os.Remove(rec)
		return
	}
	if atomicfile.WriteFile(rec, []byte(record(key, st)), 0o644) != nil {
		os.Remove(rec)
	}
}

// sameFileSystem reports whether path is on the file system of the
// clock's probe, whose times alone tell when its stamps are settled:
// another may keep coarser times (FAT's two seconds) or take them from
// another clock (a network server's).
func (r Records) sameFileSystem(path string) bool {
	a, err := os.Lstat(path)
	if err != nil {
		return false
	}
	b, err := os.Stat(filepath.Dir(r.Clock.Probe))
	if err != nil {
		return false
	}
	da, ok := device(a)
	db, ok2 := device(b)
	return ok && ok2 && da == db
}

// file is the record of path; ok is false if path has no absolute form.
func (r Records) file(path string) (string, bool) {
	abs, err := filepath.Abs(path)
	if err != nil || r.Dir == "" {
		return "", false
	}
	sum := sha256.Sum256([]byte(abs))
	return filepath.Join(r.Dir, hex.EncodeToString(sum[:16])), true
}

func record(key string, st Stamp) string {
	return fmt.Sprintf("%s %d %d %d %d\n", key, st.Ino, st.Size, st.MTime, st.CTime)
}

// lstamp is the stamp of path itself, not of what a symlink there points
// to; ok only for a regular file.
func lstamp(path string) (Stamp, bool) {
	fi, err := os.Lstat(path)
	if err != nil || !fi.Mode().IsRegular() {
		return Stamp{}, false
	}
	return Of(fi)
}
