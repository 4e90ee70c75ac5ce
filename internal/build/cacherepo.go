package build

import (
	"context"
	"fmt"
	"path"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/semaphore"

	"github.com/mingo-build/mingo/buildcache"
	"github.com/mingo-build/mingo/internal/gotool"
	"github.com/mingo-build/mingo/internal/layers"
)

// The session's use of Builder.CacheRepo, through a buildcache.Client
// (session.cache, nil without a repository): which binaries of a batch to
// look up, and which of them still need compiling.

// memberCache is what the cache knows of one platform of one target: its
// binary, and on a hit the binary layer.
type memberCache struct {
	bin buildcache.Binary
	hit v1.Layer
}

// batchCache is the cache's answer for one batch.
type batchCache struct {
	members map[member]*memberCache
	// compiled lists the packages that must still be compiled.
	compiled []*Package
}

// lookup computes the keys of b's members and looks each up. Packages whose
// every member hit are not compiled: their binary is taken from the layer
// into dir, where the static check and the SBOM read it.
func (s *session) lookup(ctx context.Context, limit *semaphore.Weighted, b *batch, targets []Target, dir string) *batchCache {
	bc := &batchCache{members: map[member]*memberCache{}, compiled: b.pkgs}
	if s.cache.Down() {
		return bc
	}
	keys, err := s.keys(ctx, limit, b)
	if err != nil {
		s.cache.NoLookup(b.platform.String(), err)
		return bc
	}
	for _, m := range b.members {
		t := &targets[m.target]
		layerPart := fmt.Sprintf("%s %s 0755", layers.Options{ModTime: t.Created, Compression: t.Compression}.Format(), path.Join(BinDir, t.Package.Name))
		bc.members[m] = &memberCache{bin: buildcache.Binary{
			Key:      keys[t.Package.ImportPath].With("layer", layerPart),
			Package:  t.Package.ImportPath,
			Platform: b.platform.String(),
		}}
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for m, mc := range bc.members {
		g.Go(func() error {
			mc.hit = s.cache.Fetch(gctx, mc.bin, targets[m.target].Compression)
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
	q := buildcache.Query{Dir: b.dir, Env: b.env(), Flags: gotool.BuildFlags(b.ldflags, b.buildTags, b.delve)}
	for _, p := range b.pkgs {
		q.Packages = append(q.Packages, p.ImportPath)
	}
	if err := limit.Acquire(ctx, 1); err != nil {
		return nil, err
	}
	defer limit.Release(1)
	return buildcache.Compute(ctx, q)
}

func (bc *batchCache) allHit(b *batch, targets []Target, pkg *Package) bool {
	found := false // a package of a target's With only is always compiled
	for _, m := range b.members {
		if targets[m.target].Package.ImportPath == pkg.ImportPath {
			if bc.members[m].hit == nil {
				return false
			}
			found = true
		}
	}
	return found
}

// extract writes pkg's binary from its first member's hit layer into dir;
// when that fails, every member of pkg is a miss.
func (s *session) extract(bc *batchCache, b *batch, targets []Target, pkg *Package, dir string) error {
	for _, m := range b.members {
		if targets[m.target].Package.ImportPath != pkg.ImportPath {
			continue
		}
		mc := bc.members[m]
		err := s.cache.Extract(mc.bin, mc.hit, path.Join(BinDir, pkg.Name), filepath.Join(dir, pkg.Name))
		if err != nil {
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

// record stores a miss's binary layer in the cache repository (see
// buildcache.Client.Record) and returns the layer to put in the image.
func (s *session) record(ctx context.Context, mc *memberCache, layer v1.Layer) v1.Layer {
	if mc == nil || mc.hit != nil {
		return layer
	}
	return s.cache.Record(ctx, mc.bin, layer)
}
