package build

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path"
	"path/filepath"
	"strings"
	"sync"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/semaphore"

	"github.com/mingo-build/mingo/buildcache"
	"github.com/mingo-build/mingo/internal/gotool"
	"github.com/mingo-build/mingo/internal/layers"
)

// remoteCache is the session's use of Builder.CacheRepo. Its failures are
// warnings: an unreachable or denying repository, or a corrupt entry, gives
// a normal build.
type remoteCache struct {
	mu sync.Mutex
	// down is the first failure to read the repository; after it the
	// session neither looks up nor records.
	down error
	// unrecorded counts misses that could not be recorded; recordErr is
	// the first reason.
	unrecorded int
	recordErr  error
}

// memberCache is what the cache knows of one platform of one target: its
// key, and on a hit the binary layer.
type memberCache struct {
	key     buildcache.Key
	pointer string
	hit     v1.Layer
}

// batchCache is the cache's answer for one batch.
type batchCache struct {
	members map[member]*memberCache
	// compiled lists the packages that must still be compiled.
	compiled []*Package
}

// isDown reports whether the cache repository failed to answer earlier.
func (s *session) isDown() bool {
	s.cache.mu.Lock()
	defer s.cache.mu.Unlock()
	return s.cache.down != nil
}

// failed records that the cache repository did not answer; the first
// failure is a warning, and the session stops using the repository.
func (s *session) failed(err error) {
	s.cache.mu.Lock()
	defer s.cache.mu.Unlock()
	if s.cache.down == nil {
		s.cache.down = err
		s.warnf("cache repository %s: %v; building without it", s.CacheRepo.Name(), oneLine(err))
	}
}

// lookup computes the keys of b's members and looks each up. Packages whose
// every member hit are not compiled: their binary is taken from the layer
// into dir, where the static check and the SBOM read it.
func (s *session) lookup(ctx context.Context, limit *semaphore.Weighted, b *batch, targets []Target, dir string) *batchCache {
	bc := &batchCache{members: map[member]*memberCache{}, compiled: b.pkgs}
	if s.CacheRepo == nil || s.isDown() {
		return bc
	}
	keys, err := s.keys(ctx, limit, b)
	if err != nil {
		s.logf("%s: no cache lookup: %v", b.platform, oneLine(err))
		return bc
	}
	for _, m := range b.members {
		t := &targets[m.target]
		layerPart := fmt.Sprintf("%s %s 0755", layers.Options{ModTime: t.Created, Compression: t.Compression}.Format(), path.Join(BinDir, t.Package.Name))
		bc.members[m] = &memberCache{
			key:     keys[t.Package.ImportPath].With("layer", layerPart),
			pointer: t.Package.ImportPath + " " + b.platform.String(),
		}
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for m, mc := range bc.members {
		g.Go(func() error {
			mc.hit = s.fetch(gctx, mc, &targets[m.target], b)
			return nil
		})
	}
	_ = g.Wait()
	bc.compiled = nil
	for _, pkg := range b.pkgs {
		if !bc.allHit(b, targets, pkg) || s.extract(bc, b, targets, pkg, dir) != nil {
			bc.compiled = append(bc.compiled, pkg)
		}
	}
	return bc
}

// keys computes the compile key of every package of b, with the go
// command's environment and flags that compile will use.
func (s *session) keys(ctx context.Context, limit *semaphore.Weighted, b *batch) (map[string]buildcache.Key, error) {
	q := buildcache.Query{Dir: s.Dir, Env: gotool.Env(&b.platform), Flags: gotool.BuildFlags(b.ldflags, b.buildTags)}
	for _, p := range b.pkgs {
		q.Packages = append(q.Packages, p.ImportPath)
	}
	if err := limit.Acquire(ctx, 1); err != nil {
		return nil, err
	}
	defer limit.Release(1)
	return buildcache.Compute(ctx, q)
}

// fetch looks mc's key up and, on a hit, returns the binary layer, from
// the local cache when an earlier build fetched it, else downloaded into
// it and checked. It returns nil on a miss, after saying (with -v) which
// parts of the key changed since the binary was last recorded.
func (s *session) fetch(ctx context.Context, mc *memberCache, t *Target, b *batch) v1.Layer {
	hex, pkg := mc.key.Hex(), t.Package
	if s.isDown() {
		return nil
	}
	e, err := s.CacheRepo.Lookup(ctx, mc.key)
	switch {
	case errors.Is(err, buildcache.ErrCorrupt):
		s.warnf("ignoring a corrupt entry in cache repository %s for %s on %s: %v", s.CacheRepo.Name(), pkg.ImportPath, b.platform, oneLine(err))
		return nil
	case err != nil:
		s.failed(err)
		return nil
	case e == nil:
		s.logf("cache miss: %s for %s%s", pkg.ImportPath, b.platform, s.changed(ctx, mc))
		return nil
	}
	comp := t.Compression
	local := s.Cache.Lookup(hex, comp)
	if local == nil {
		local, err = s.download(e, hex, comp)
		if errors.Is(err, layers.ErrDigestMismatch) {
			s.warnf("ignoring a corrupt entry in cache repository %s for %s on %s: %v", s.CacheRepo.Name(), pkg.ImportPath, b.platform, oneLine(err))
			return nil
		}
		if err != nil {
			s.failed(err)
			return nil
		}
	}
	s.logf("cache hit: %s for %s (%s:mingo-%.12s...)", pkg.ImportPath, b.platform, s.CacheRepo.Name(), hex)
	// Pushed to the cache's registry, the blob is mounted, not uploaded.
	return &remote.MountableLayer{Layer: local, Reference: s.CacheRepo.Name().Digest(e.Digest.String())}
}

func (s *session) download(e *buildcache.Entry, key string, comp layers.Compression) (*layers.Layer, error) {
	rc, err := e.Layer.Compressed()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return s.Cache.Import(key, comp, rc, e.Size, e.Digest, e.DiffID)
}

// changed says which parts of mc's key differ from the entry last recorded
// for the same binary and platform, when there is one.
func (s *session) changed(ctx context.Context, mc *memberCache) string {
	if s.Verbose == nil {
		return ""
	}
	before, err := s.CacheRepo.Last(ctx, mc.pointer)
	if err != nil || before == nil {
		return " (not built before)"
	}
	diff := buildcache.Diff(before, mc.key.Parts)
	if len(diff) > 5 {
		diff = append(diff[:5], fmt.Sprintf("and %d more", len(diff)-5))
	}
	return "; changed: " + strings.Join(diff, "; ")
}

func (bc *batchCache) allHit(b *batch, targets []Target, pkg *Package) bool {
	for _, m := range b.members {
		if targets[m.target].Package.ImportPath == pkg.ImportPath && bc.members[m].hit == nil {
			return false
		}
	}
	return true
}

// extract writes pkg's binary from its first member's hit layer into dir.
func (s *session) extract(bc *batchCache, b *batch, targets []Target, pkg *Package, dir string) error {
	for _, m := range b.members {
		if targets[m.target].Package.ImportPath != pkg.ImportPath {
			continue
		}
		err := layers.ExtractFile(bc.members[m].hit, path.Join(BinDir, pkg.Name), filepath.Join(dir, pkg.Name), 0o755)
		if err != nil {
			s.warnf("cache entry for %s on %s: %v; compiling it", pkg.ImportPath, b.platform, err)
			for _, m := range b.members {
				if targets[m.target].Package.ImportPath == pkg.ImportPath {
					bc.members[m].hit = nil
				}
			}
		}
		return err
	}
	return nil
}

// record stores a miss's binary layer in the cache repository, and returns
// the layer to put in the image: once recorded, one that a push to the same
// registry mounts instead of uploading again.
func (s *session) record(ctx context.Context, mc *memberCache, layer v1.Layer) v1.Layer {
	if mc == nil || mc.hit != nil || s.isDown() {
		return layer
	}
	if s.recordDenied() {
		s.countUnrecorded(nil)
		return layer
	}
	if err := s.CacheRepo.Record(ctx, mc.key, mc.pointer, layer); err != nil {
		if ctx.Err() == nil {
			s.countUnrecorded(err)
		}
		return layer
	}
	d, err := layer.Digest()
	if err != nil {
		return layer
	}
	return &remote.MountableLayer{Layer: layer, Reference: s.CacheRepo.Name().Digest(d.String())}
}

// countUnrecorded counts a miss that was not recorded, and keeps the first
// reason.
func (s *session) countUnrecorded(err error) {
	s.cache.mu.Lock()
	defer s.cache.mu.Unlock()
	s.cache.unrecorded++
	if s.cache.recordErr == nil {
		s.cache.recordErr = err
	}
}

// recordDenied reports whether the repository refused a write already
// (pull-only credentials): the other misses are not tried.
func (s *session) recordDenied() bool {
	s.cache.mu.Lock()
	defer s.cache.mu.Unlock()
	var terr *transport.Error
	return errors.As(s.cache.recordErr, &terr) && (terr.StatusCode == http.StatusUnauthorized || terr.StatusCode == http.StatusForbidden)
}

// reportUnrecorded warns, once per build, about misses that could not be
// recorded (pull-only access, for example).
func (s *session) reportUnrecorded() {
	s.cache.mu.Lock()
	defer s.cache.mu.Unlock()
	if s.cache.unrecorded > 0 {
		s.warnf("could not record %d binaries in cache repository %s (%v): other builds will compile them again", s.cache.unrecorded, s.CacheRepo.Name(), oneLine(s.cache.recordErr))
	}
}

func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}
