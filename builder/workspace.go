package builder

import (
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/mingo-build/mingo/platform"
)

// workspace is the directory `go build -o` writes one platform's binary to.
// It lives in mingo's cache and is the same for the same package, module
// directory, platform and flags, so when nothing changed `go build` sees
// its output is up to date and skips linking (a third of a second for a
// medium program). A file lock keeps two mingo runs from writing it at once.
type workspace struct {
	dir  string
	lock *os.File
}

func openWorkspace(opts *Options, pkg *Package, p platform.Platform) (*workspace, error) {
	key := sha256.Sum256([]byte(strings.Join([]string{
		pkg.ImportPath, pkg.ModuleDir, p.String(), opts.LDFlags, strings.Join(opts.Tags, ","),
	}, "\x00")))
	dir := filepath.Join(opts.Cache.Dir(), "bin", fmt.Sprintf("%x", key[:12]))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating build directory in the cache (set MINGO_CACHE to a writable directory): %w", err)
	}
	lock, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := lockFile(lock); err != nil {
		lock.Close()
		return nil, fmt.Errorf("locking %s: %w", dir, err)
	}
	return &workspace{dir: dir, lock: lock}, nil
}

// close releases the lock; the binary stays for the next build.
func (w *workspace) close() { w.lock.Close() }
