package gocache

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/semaphore"
)

// Default timeouts of a Cache.
const (
	// DefaultLookupTimeout bounds a lookup in the registry: a get waits
	// for it before the go command compiles.
	DefaultLookupTimeout = 10 * time.Second
	// DefaultTimeout bounds a blob's download or an output's upload.
	DefaultTimeout = 60 * time.Second
)

// Options configure a Cache.
type Options struct {
	// Registry is the shared tier; nil keeps the cache local.
	Registry *Registry
	// ReadOnly reads the registry and never writes to it.
	ReadOnly bool
	// LookupTimeout bounds each lookup (default DefaultLookupTimeout),
	// Timeout each download and upload (default DefaultTimeout).
	LookupTimeout, Timeout time.Duration
	// Jobs bounds concurrent requests to the registry (default 16).
	Jobs int
	// GoDir is the go command's own cache directory (GOCACHE), read after
	// the local tier, before the registry: what the machine built before
	// it used GOCACHEPROG; "" reads none (see DefaultGoDir).
	GoDir string
	// Warn receives, at most once, why the registry is no longer used.
	Warn func(format string, args ...any)
}

// Cache is a Store in two tiers: the local Disk first, then the
// Registry, which receives every put in the background. A registry that
// fails (unreachable, slow, denying) is a warning, once, and the cache
// goes on with the local tier: a failed read stops its use, a failed
// write stops the writes.
type Cache struct {
	disk *Disk
	o    Options
	jobs *semaphore.Weighted

	// down: the registry failed a read; noWrite: it failed a write.
	down, noWrite atomic.Bool
	warnOnce      sync.Once
	// untrustedOnce: the first entry the trust key rejects is a warning,
	// the others are counted (a build asks for thousands).
	untrustedOnce sync.Once
	uploads       sync.WaitGroup
	// base is cancelled when Close gives up waiting for uploads.
	base   context.Context
	cancel context.CancelFunc
	stats  counters
}

// New returns the cache with disk as its local tier.
func New(disk *Disk, o Options) *Cache {
	if o.LookupTimeout <= 0 {
		o.LookupTimeout = DefaultLookupTimeout
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Jobs <= 0 {
		o.Jobs = 16
	}
	c := &Cache{disk: disk, o: o, jobs: semaphore.NewWeighted(int64(o.Jobs))}
	c.base, c.cancel = context.WithCancel(context.Background())
	if o.Registry == nil {
		c.down.Store(true)
	}
	if o.ReadOnly || o.Registry == nil {
		c.noWrite.Store(true)
	}
	return c
}

// Get returns action's output from the local tier, else from the
// registry (kept in the local tier), else nil. Registry failures are not
// errors: the go command then builds.
func (c *Cache) Get(ctx context.Context, action []byte) (*Output, error) {
	c.stats.gets.Add(1)
	if o := c.disk.Get(action); o != nil {
		c.stats.localHits.Add(1)
		return o, nil
	}
	if o := c.fromGoDir(action); o != nil {
		c.stats.localHits.Add(1)
		return o, nil
	}
	if c.down.Load() {
		return nil, nil
	}
	if err := c.jobs.Acquire(ctx, 1); err != nil {
		return nil, err
	}
	defer c.jobs.Release(1)
	o, err := c.fetch(ctx, action)
	switch {
	case errors.Is(err, ErrUntrusted):
		c.stats.untrusted.Add(1)
		c.untrustedOnce.Do(func() {
			if c.o.Warn != nil {
				c.o.Warn("go cache repository %s: ignoring %s; entries not signed by the trusted key are misses", c.o.Registry.Name(), oneLine(err))
			}
		})
		return nil, nil
	case errors.Is(err, ErrCorrupt) || errors.Is(err, ErrMismatch):
		c.stats.corrupt.Add(1)
		return nil, nil
	case err != nil:
		if ctx.Err() == nil {
			c.fail(err, "")
		}
		return nil, nil
	case o != nil:
		c.stats.remoteHits.Add(1)
	}
	return o, nil
}

// fetch looks action up in the registry and, on a hit, brings its output
// into the local tier unless it is there already.
func (c *Cache) fetch(ctx context.Context, action []byte) (*Output, error) {
	lctx, cancel := context.WithTimeout(ctx, c.o.LookupTimeout)
	e, err := c.o.Registry.Lookup(lctx, action)
	cancel()
	if err != nil || e == nil {
		return nil, err
	}
	path, ok := c.disk.Output(e.Output, e.Size)
	if !ok && e.Data != nil {
		if path, err = c.disk.WriteOutput(e.Output, e.Size, bytes.NewReader(e.Data)); err != nil {
			return nil, err
		}
	} else if !ok {
		dctx, cancel := context.WithTimeout(ctx, c.o.Timeout)
		defer cancel()
		rc, err := c.o.Registry.Fetch(dctx, e.Output)
		if err != nil {
			return nil, err
		}
		defer rc.Close()
		if path, err = c.disk.WriteOutput(e.Output, e.Size, rc); err != nil {
			return nil, err
		}
		c.stats.downloaded.Add(e.Size)
	}
	if err := c.disk.WriteAction(action, e.Output, e.Size, e.Time); err != nil {
		return nil, err
	}
	return &Output{ID: e.Output, Size: e.Size, Time: e.Time, DiskPath: path}, nil
}

// Put keeps the output in the local tier, answers with its path, and
// uploads it to the registry in the background.
func (c *Cache) Put(ctx context.Context, action, output []byte, body io.Reader, size int64) (string, error) {
	c.stats.puts.Add(1)
	path, err := c.disk.WriteOutput(output, size, body)
	if err != nil {
		return "", err
	}
	now := time.Now()
	if err := c.disk.WriteAction(action, output, size, now); err != nil {
		return "", err
	}
	if !c.noWrite.Load() && !c.down.Load() {
		c.uploads.Go(func() { c.upload(action, Entry{Output: output, Size: size, Time: now}, path) })
	}
	return path, nil
}

// upload records an output in the registry; it is not tied to the go
// command's request, which was answered already.
func (c *Cache) upload(action []byte, e Entry, path string) {
	if err := c.jobs.Acquire(c.base, 1); err != nil {
		return
	}
	defer c.jobs.Release(1)
	ctx, cancel := context.WithTimeout(c.base, c.o.Timeout)
	defer cancel()
	if c.noWrite.Load() || c.down.Load() {
		return
	}
	if err := c.o.Registry.Record(ctx, action, e, path); err != nil {
		if c.base.Err() == nil {
			c.fail(err, "write")
		}
		return
	}
	c.stats.uploads.Add(1)
	c.stats.uploaded.Add(e.Size)
}

// fail stops using the registry (only writing to it, for a failed write)
// and warns the first time.
func (c *Cache) fail(err error, op string) {
	c.noWrite.Store(true)
	what := "using the local cache only"
	if op == "" {
		c.down.Store(true)
	} else {
		what = "not writing to it"
	}
	c.warnOnce.Do(func() {
		if c.o.Warn != nil {
			c.o.Warn("go cache repository %s: %s; %s", c.o.Registry.Name(), oneLine(err), what)
		}
	})
}

// Close waits for the uploads in progress, as long as ctx allows and at
// most Options.Timeout, then stops those left: a slow registry does not
// hold the go command.
func (c *Cache) Close(ctx context.Context) error {
	done := make(chan struct{})
	go func() { c.uploads.Wait(); close(done) }()
	timer := time.NewTimer(c.o.Timeout)
	defer timer.Stop()
	select {
	case <-done:
	case <-ctx.Done():
	case <-timer.C:
		c.fail(fmt.Errorf("uploads unfinished after %s, dropped", c.o.Timeout), "write")
	}
	c.cancel()
	<-done
	return nil
}

// oneLine is err's message on one line.
func oneLine(err error) string { return strings.Join(strings.Fields(err.Error()), " ") }

// counters count what a Cache did.
type counters struct {
	gets, localHits, remoteHits, corrupt, puts, uploads atomic.Int64
	untrusted                                           atomic.Int64
	downloaded, uploaded                                atomic.Int64
}

// Stats is what a Cache did.
type Stats struct {
	// Gets were answered by LocalHits, RemoteHits, or were misses;
	// Corrupt counts registry entries treated as misses, Untrusted those
	// the trust key rejected.
	Gets, LocalHits, RemoteHits, Corrupt, Untrusted int64
	// Puts were kept locally; Uploads of them reached the registry.
	Puts, Uploads int64
	// Downloaded and Uploaded are output bytes moved.
	Downloaded, Uploaded int64
}

// Stats returns what the cache did so far.
func (c *Cache) Stats() Stats {
	s := &c.stats
	return Stats{Gets: s.gets.Load(), LocalHits: s.localHits.Load(), RemoteHits: s.remoteHits.Load(), Corrupt: s.corrupt.Load(), Untrusted: s.untrusted.Load(),
		Puts: s.puts.Load(), Uploads: s.uploads.Load(), Downloaded: s.downloaded.Load(), Uploaded: s.uploaded.Load()}
}

// String is s on one line.
func (s Stats) String() string {
	return fmt.Sprintf("%d gets: %d local hits, %d remote hits (%d bytes), %d misses; %d puts, %d uploaded (%d bytes)",
		s.Gets, s.LocalHits, s.RemoteHits, s.Downloaded, s.Gets-s.LocalHits-s.RemoteHits, s.Puts, s.Uploads, s.Uploaded)
}
