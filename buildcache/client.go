package buildcache

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/mingo-build/mingo/internal/layers"
)

// Client is one build's use of a cache repository: it looks binaries up,
// fetches hits into the local layer cache and records misses. Its failures
// are warnings: an unreachable or denying repository, or a corrupt entry,
// gives a normal build. A Client is safe for concurrent use; make one per
// build, since it stops using a repository that failed.
type Client struct {
	repo  *Repo
	cache *layers.Cache
	warn  func(format string, args ...any)
	// verbose, when set, receives hits and misses; a miss then also says
	// which parts of the key changed, which costs a request.
	verbose func(format string, args ...any)

	mu sync.Mutex
	// down is the first failure to read the repository; after it the
	// client neither looks up nor records.
	down error
	// unrecorded counts misses that could not be recorded; recordErr is
	// the first reason.
	unrecorded int
	recordErr  error
}

// NewClient returns a client of repo that keeps fetched layers in cache.
// warn receives the problems it recovered from, verbose the hits and
// misses; either may be nil.
func NewClient(repo *Repo, cache *layers.Cache, warn, verbose func(format string, args ...any)) *Client {
	return &Client{repo: repo, cache: cache, warn: warn, verbose: verbose}
}

// Binary is one binary of a build, as the cache knows it: its compile key
// (with every part that shapes its layer), its package and its target.
type Binary struct {
	Key Key
	// Package is the import path, Platform the target ("linux/arm64").
	Package, Platform string
}

// pointer is the name under which the binary's latest entry is recorded.
func (b Binary) pointer() string { return b.Package + " " + b.Platform }

func (c *Client) warnf(format string, args ...any) {
	if c.warn != nil {
		c.warn(format, args...)
	}
}

func (c *Client) logf(format string, args ...any) {
	if c.verbose != nil {
		c.verbose(format, args...)
	}
}

// Down reports whether the repository failed to answer earlier; a nil
// client is always down.
func (c *Client) Down() bool {
	if c == nil {
		return true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.down != nil
}

// failed records that the repository did not answer; the first failure
// is a warning, and the client stops using the repository.
func (c *Client) failed(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.down == nil {
		c.down = err
		c.warnf("cache repository %s: %v; building without it", c.repo.Name(), oneLine(err))
	}
}

// NoLookup says (with -v) that the binaries of platform are not looked up
// because their keys could not be computed.
func (c *Client) NoLookup(platform string, err error) {
	c.logf("%s: no cache lookup: %v", platform, oneLine(err))
}

// Fetch looks b up and, on a hit, returns its layer: first the one this
// machine built for the same key (see Record), which no entry of the
// repository replaces; else the repository's entry, from the local cache
// when an earlier build fetched it, else downloaded into it and checked;
// comp is how the local cache keeps it. It returns nil on a miss, after
// saying (with -v) which parts of the key changed since the binary was
// last recorded. An entry the repository's Verifier rejects is a miss and
// one warning.
func (c *Client) Fetch(ctx context.Context, b Binary, comp layers.Compression) v1.Layer {
	hex := b.Key.Hex()
	if own := c.cache.Built(hex, comp); own != nil {
		c.logf("cache hit: %s for %s (built on this machine)", b.Package, b.Platform)
		return own
	}
	if c.Down() {
		return nil
	}
	e, err := c.repo.Lookup(ctx, b.Key)
	switch {
	case errors.Is(err, ErrUntrusted):
		c.warnf("ignoring cache entry for %s on %s, %v; compiling it", b.Package, b.Platform, oneLine(err))
		return nil
	case errors.Is(err, ErrCorrupt):
		c.warnf("ignoring a corrupt entry in cache repository %s for %s on %s: %v", c.repo.Name(), b.Package, b.Platform, oneLine(err))
		return nil
	case err != nil:
		c.failed(err)
		return nil
	case e == nil:
		c.logf("cache miss: %s for %s%s", b.Package, b.Platform, c.changed(ctx, b))
		return nil
	}
	local := c.cache.Lookup(hex, comp)
	if local == nil {
		local, err = c.download(e, hex, comp)
		if errors.Is(err, layers.ErrDigestMismatch) {
			c.warnf("ignoring a corrupt entry in cache repository %s for %s on %s: %v", c.repo.Name(), b.Package, b.Platform, oneLine(err))
			return nil
		}
		if err != nil {
			c.failed(err)
			return nil
		}
	}
	c.logf("cache hit: %s for %s (%s:mingo-%.12s...)", b.Package, b.Platform, c.repo.Name(), hex)
	// Pushed to the cache's registry, the blob is mounted, not uploaded.
	return &remote.MountableLayer{Layer: local, Reference: c.repo.Name().Digest(e.Digest.String())}
}

func (c *Client) download(e *Entry, key string, comp layers.Compression) (*layers.Layer, error) {
	rc, err := e.Layer.Compressed()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return c.cache.Import(key, comp, rc, e.Size, e.Digest, e.DiffID)
}

// changed says which parts of b's key differ from the entry last recorded
// for the same binary and platform, when there is one.
func (c *Client) changed(ctx context.Context, b Binary) string {
	if c.verbose == nil {
		return ""
	}
	before, err := c.repo.Last(ctx, b.pointer())
	if err != nil || before == nil {
		return " (not built before)"
	}
	diff := Diff(before, b.Key.Parts)
	if len(diff) > 5 {
		diff = append(diff[:5], fmt.Sprintf("and %d more", len(diff)-5))
	}
	return "; changed: " + strings.Join(diff, "; ")
}

// Extract writes the file at imagePath in hit, b's layer that Fetch
// returned, to dst. A failure is a warning: the caller compiles b.
func (c *Client) Extract(b Binary, hit v1.Layer, imagePath, dst string) error {
	err := layers.ExtractFile(hit, imagePath, dst, 0o755)
	if err != nil {
		c.warnf("cache entry for %s on %s: %v; compiling it", b.Package, b.Platform, err)
	}
	return err
}

// Record stores layer, b's binary layer built on a miss, in the
// repository, and returns the layer to put in the image: once recorded,
// one that a push to the same registry mounts instead of uploading again.
// A layer of the local cache is also remembered there as built on this
// machine, which a later Fetch of the same key prefers to any entry.
func (c *Client) Record(ctx context.Context, b Binary, layer v1.Layer) v1.Layer {
	if l, ok := layer.(*layers.Layer); ok {
		if err := c.cache.Remember(b.Key.Hex(), l); err != nil {
			c.logf("not remembering %s for %s as built here: %v", b.Package, b.Platform, err)
		}
	}
	if c.Down() || c.repo.readOnly {
		return layer
	}
	if c.recordDenied() {
		c.countUnrecorded(nil)
		return layer
	}
	if err := c.repo.Record(ctx, b.Key, b.pointer(), layer); err != nil {
		if ctx.Err() == nil {
			c.countUnrecorded(err)
		}
		return layer
	}
	d, err := layer.Digest()
	if err != nil {
		return layer
	}
	return &remote.MountableLayer{Layer: layer, Reference: c.repo.Name().Digest(d.String())}
}

// countUnrecorded counts a miss that was not recorded, and keeps the first
// reason.
func (c *Client) countUnrecorded(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.unrecorded++
	if c.recordErr == nil {
		c.recordErr = err
	}
}

// recordDenied reports whether the repository refused a write already
// (pull-only credentials): the other misses are not tried.
func (c *Client) recordDenied() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	var terr *transport.Error
	return errors.As(c.recordErr, &terr) && (terr.StatusCode == http.StatusUnauthorized || terr.StatusCode == http.StatusForbidden)
}

// Report warns, once at the end of a build, about misses that could not be
// recorded (pull-only access, for example). A nil client reports nothing.
func (c *Client) Report() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.unrecorded > 0 {
		c.warnf("could not record %d binaries in cache repository %s (%v): other builds will compile them again", c.unrecorded, c.repo.Name(), oneLine(c.recordErr))
	}
}

// oneLine is err's message on one line: a registry's error may span
// several, and a warning is one line. All of it is kept, unlike the first
// line of the go command's output (gotool.FirstLine).
func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}
