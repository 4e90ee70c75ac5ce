package gocache

import (
	"encoding/hex"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// goDirEntrySize is the size of an action entry in the go command's own
// cache directory: "v1 ACTIONID OUTPUTID SIZE TIME\n", the numbers
// space-padded to 20 bytes (cmd/go/internal/cache).
const goDirEntrySize = 2 + 1 + 64 + 1 + 64 + 1 + 20 + 1 + 20 + 1

// goDirLookup reads action's entry in dir, a GOCACHE directory the go
// command filled before GOCACHEPROG was set, and returns its output's
// ID, size, time and file. The file's bytes are not checked here: the
// caller copies them into the local tier, which checks them.
func goDirLookup(dir string, action []byte) (*Output, bool) {
	if dir == "" || len(action) == 0 {
		return nil, false
	}
	h := hex.EncodeToString(action)
	b, err := os.ReadFile(filepath.Join(dir, h[:2], h+"-a"))
	if err != nil || len(b) != goDirEntrySize {
		return nil, false
	}
	f := strings.Fields(string(b))
	if len(f) != 5 || f[0] != "v1" || f[1] != h {
		return nil, false
	}
	out, err := hex.DecodeString(f[2])
	size, serr := strconv.ParseInt(f[3], 10, 64)
	nanos, terr := strconv.ParseInt(f[4], 10, 64)
	if err != nil || len(out) != 32 || serr != nil || size < 0 || terr != nil {
		return nil, false
	}
	path := filepath.Join(dir, f[2][:2], f[2]+"-d")
	if fi, err := os.Stat(path); err != nil || !fi.Mode().IsRegular() || fi.Size() != size {
		return nil, false
	}
	return &Output{ID: out, Size: size, Time: time.Unix(0, nanos), DiskPath: path}, true
}

// fromGoDir brings action's output from the go command's own cache
// directory into the local tier, checked.
func (c *Cache) fromGoDir(action []byte) *Output {
	o, ok := goDirLookup(c.o.GoDir, action)
	if !ok {
		return nil
	}
	f, err := os.Open(o.DiskPath)
	if err != nil {
		return nil
	}
	defer f.Close()
	if o.DiskPath, err = c.disk.WriteOutput(o.ID, o.Size, f); err != nil {
		return nil
	}
	if err := c.disk.WriteAction(action, o.ID, o.Size, o.Time); err != nil {
		return nil
	}
	return o
}

// DefaultGoDir is the go command's own cache directory as the
// environment gives it (GOCACHE, else go-build in the user's cache
// directory), or "" when it is off.
func DefaultGoDir() string {
	d := os.Getenv("GOCACHE")
	if d == "off" {
		return ""
	}
	if d == "" {
		ucd, err := os.UserCacheDir()
		if err != nil {
			return ""
		}
		d = filepath.Join(ucd, "go-build")
	}
	return d
}
