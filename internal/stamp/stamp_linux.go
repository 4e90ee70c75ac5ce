//go:build linux

package stamp

import (
	"io/fs"
	"syscall"
)

func of(fi fs.FileInfo) (Stamp, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return Stamp{}, false
	}
	return Stamp{Ino: int64(st.Ino), Size: st.Size, MTime: fi.ModTime().UnixNano(),
		CTime: st.Ctim.Sec*1e9 + st.Ctim.Nsec}, true
}

// device is the file system fi is on; ok is false where it cannot be told.
func device(fi fs.FileInfo) (uint64, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return uint64(st.Dev), true
}
