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
