package layers

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// A running build's claim on the cache entries it looked up or wrote: a
// file under leases/ that the build holds locked (exclusively) while it
// runs and that lists, one a line, the paths (relative to the cache root)
// of those entries. A trim reads the leases it cannot lock and removes none
// of the paths they list; a lease it can lock belongs to a build that has
// ended (or died), and goes.
//
// Why this is enough: a build adds a path to its lease while it holds the
// cache's lock shared, before it uses the entry (a lookup) or before the
// entry appears (a write renames its blob into place only after), and a
// trim reads the leases and removes files while it holds the lock
// exclusively. So a trim either ran wholly before the claim (the build
// then finds the entry missing and rebuilds it, or writes it itself) or
// sees the claim. Ages alone cannot give that: with --max-age 0s an entry
// touched a moment ago is already old.
type lease struct {
	mu   sync.Mutex
	f    *os.File
	held map[string]bool
}

const leasesDir = "leases"

// claim adds paths (relative to the cache root) to c's lease, creating the
// lease first. The caller holds the cache's lock shared.
func (c *Cache) claim(paths ...string) (*lease, error) {
	l, err := c.currentLease()
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil, fmt.Errorf("layer cache %s: used after Close", c.dir)
	}
	var add []byte
	for _, p := range paths {
		if !l.held[p] {
			l.held[p] = true
			add = append(add, p+"\n"...)
		}
	}
	if _, err := l.f.Write(add); err != nil {
		return nil, fmt.Errorf("recording use of the layer cache: %w", err)
	}
	return l, nil
}

// currentLease returns c's lease, creating it on first use.
func (c *Cache) currentLease() (*lease, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, fmt.Errorf("layer cache %s: used after Close", c.dir)
	}
	if c.lease == nil {
		l, err := newLease(c.dir)
		if err != nil {
			return nil, err
		}
		c.lease = l
	}
	return c.lease, nil
}

func newLease(dir string) (*lease, error) {
	var b [12]byte
	rand.Read(b[:])
	name := filepath.Join(dir, leasesDir, hex.EncodeToString(b[:]))
	f, err := os.OpenFile(name, os.O_CREATE|os.O_EXCL|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("recording use of the layer cache: %w", err)
	}
	if err := lockExclusive(f, false); err != nil {
		f.Close()
		os.Remove(name)
		return nil, fmt.Errorf("locking %s: %w", name, err)
	}
	return &lease{f: f, held: map[string]bool{}}, nil
}

// Close ends c's use of the cache: a trim may then remove what c looked up
// or wrote, and the layers c returned must no longer be read. Without
// Close the claim lasts until the process exits or c and every layer it
// returned are garbage.
func (c *Cache) Close() error {
	c.mu.Lock()
	c.closed = true
	l := c.lease
	c.mu.Unlock()
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f == nil {
		return nil
	}
	os.Remove(l.f.Name())
	err := l.f.Close()
	l.f = nil
	return err
}

// leased returns the paths (absolute) that the leases of running builds
// hold, and removes the leases of builds that ended. The caller holds the
// cache's lock exclusively.
func (c *Cache) leased() map[string]bool {
	held := map[string]bool{}
	dir := filepath.Join(c.dir, leasesDir)
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		f, err := os.Open(p)
		if err != nil {
			continue
		}
		if lockExclusive(f, false) == nil {
			os.Remove(p) // its build ended
			f.Close()
			continue
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			held[filepath.Join(c.dir, sc.Text())] = true
		}
		f.Close()
	}
	return held
}
