package build

import (
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/mingo-build/mingo/internal/layers"
)

// workspace is the directory one batch's `go build -o DIR/` writes its
// binaries to. It lives in mingo's cache and is the same for the same
// working directory, platform and flags, so when nothing changed `go build`
// sees its outputs are up to date and skips linking (a third of a second
// for a medium program). A file lock keeps two mingo runs from writing it
// at once.
type workspace struct {
	dir  string
	lock *os.File
	// unchanged are the binaries whose recorded stamp held before `go
	// build`; seen the stamps and digests settled after it (binsum.go).
	unchanged, seen map[string]binStamp
	// recorded are the records of stampsName, read once (binsum.go).
	recorded map[string]binStamp
	// layered are the binaries whose layers are built from them in this
	// build, which hash them as they write them; fresh are those of them
	// `go build` has just written, until their layer has hashed them
	// (binsum.go). mu guards fresh and seen while layers are built.
	layered map[string]bool
	fresh   map[string]binStamp
	mu      sync.Mutex
}

// waitNotice is how long a build waits for another's workspace lock
// before it says so: a second mingo next to a long build otherwise looks
// hung.
var waitNotice = time.Second

// openWorkspace opens and locks the workspace of key for workDir; waiting
// is told of the workspace directory when another mingo holds its lock
// for waitNotice.
func openWorkspace(c *layers.Cache, workDir, key string, waiting func(dir string)) (*workspace, error) {
	abs, err := filepath.Abs(workDir)
	if err != nil {
		return nil, err
	}
	defer c.Use()() // no trim removes the directory before it is locked
	sum := sha256.Sum256([]byte(abs + "\x00" + key))
	dir := filepath.Join(c.Dir(), "bin", fmt.Sprintf("%x", sum[:12]))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating a build directory in the cache %s: %w", c.Dir(), err)
	}
	lock, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := lockFile(lock, func() { waiting(dir) }); err != nil {
		lock.Close()
		return nil, fmt.Errorf("locking %s: %w", dir, err)
	}
	// The lock file's time says when a build last used the directory,
	// which is what trimming the cache goes by.
	layers.TouchWorkspace(lock.Name())
	return &workspace{dir: dir, lock: lock, seen: map[string]binStamp{}, fresh: map[string]binStamp{}}, nil
}

// close releases the lock; the binaries stay for the next build. Their
// stamps are recorded later (recordStamps).
func (w *workspace) close() { w.lock.Close() }
