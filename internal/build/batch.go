package build

import (
	"cmp"
	"context"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/semaphore"

	"github.com/mingo-build/mingo/internal/gotool"
	"github.com/mingo-build/mingo/internal/layers"
	"github.com/mingo-build/mingo/internal/trace"
	"github.com/mingo-build/mingo/platform"
)

// batch is one `go build -o DIR/ PKG...`: the packages that share a
// platform and build settings, with distinct binary names (Go writes each
// binary as DIR/<name>, so two packages named alike need two batches).
type batch struct {
	platform  platform.Platform
	ldflags   string
	buildTags []string
	delve     bool
	// standalone is set for the module of a PKG@VERSION build, which
	// builds outside any go.work (see gotool.Build.Standalone).
	standalone bool
	// dir is where `go build` runs: the packages' WorkDir, else the
	// Builder's Dir.
	dir string
	// part numbers the batches of one platform and settings, split by
	// name collisions; it is part of the workspace key.
	part    int
	pkgs    []*Package
	members []member
}

// member is one platform of one target that a batch compiles.
type member struct {
	target, platform int
}

func (b *batch) key() string {
	return strings.Join([]string{b.platform.String(), b.ldflags, strings.Join(b.buildTags, ","), fmt.Sprint(b.delve), b.dir, fmt.Sprint(b.part)}, "\x00")
}

// batches groups every platform of every target by build settings, in a
// fixed order, so that each group costs one `go build`.
func (s *session) batches(targets []Target, shared []*shared) []*batch {
	var out []*batch
	groups := map[string][]*batch{}
	for ti, t := range targets {
		for pi, p := range shared[ti].platforms {
			dir := cmp.Or(t.Package.WorkDir, s.Dir)
			settings := strings.Join([]string{p.String(), t.LDFlags, strings.Join(t.BuildTags, ","), fmt.Sprint(t.Delve), dir}, "\x00")
			b := place(groups[settings], append([]*Package{t.Package}, t.With...))
			if b == nil {
				b = &batch{platform: p, ldflags: t.LDFlags, buildTags: t.BuildTags, delve: t.Delve, dir: dir, part: len(groups[settings]),
					standalone: t.Package.Version != ""}
				groups[settings] = append(groups[settings], b)
				out = append(out, b)
			}
			for _, pkg := range append([]*Package{t.Package}, t.With...) {
				if !slices.ContainsFunc(b.pkgs, func(q *Package) bool { return q.ImportPath == pkg.ImportPath }) {
					b.pkgs = append(b.pkgs, pkg)
				}
			}
			b.members = append(b.members, member{ti, pi})
		}
	}
	return out
}

// env is the go command's environment for b.
func (b *batch) env() []string {
	env := gotool.Env(&b.platform)
	if b.standalone {
		env = append(env, gotool.NoWorkspace)
	}
	return env
}

// place returns the first batch pkgs can join: one where each of them is
// already, or has no other package of the same binary name.
func place(bs []*batch, pkgs []*Package) *batch {
	for _, b := range bs {
		ok := true
		for _, pkg := range pkgs {
			for _, q := range b.pkgs {
				if q.ImportPath != pkg.ImportPath && q.Name == pkg.Name {
					ok = false
				}
			}
		}
		if ok {
			return b
		}
	}
	return nil
}

// names are the binaries of b's packages.
func (b *batch) names() []string {
	names := make([]string, len(b.pkgs))
	for i, p := range b.pkgs {
		names[i] = p.Name
	}
	return names
}

// mainNames are the binaries of b whose images it builds: its members'
// main packages, not packages of their With only.
func (b *batch) mainNames(targets []Target) map[string]bool {
	mains := map[string]bool{}
	for _, m := range b.members {
		mains[targets[m.target].Package.Name] = true
	}
	return mains
}

// runBatch compiles a batch into its workspace, then layers each binary
// and assembles its platform image.
func (s *session) runBatch(ctx context.Context, limit *semaphore.Weighted, b *batch, targets []Target, shared []*shared, images [][]PlatformImage) error {
	starting := sync.OnceFunc(s.toStart.Done)
	defer starting()
	doneWS := trace.Phase("workspace " + b.platform.String())
	ws, err := s.openBatchWorkspace(b, targets, starting)
	if err != nil {
		return err
	}
	defer ws.close()
	names := b.names()
	ws.layered = b.mainNames(targets)
	before := ws.buildIDs(names)
	doneWS()
	if s.cache != nil {
		starting() // the lookup waits on the network, not on a processor
	}
	bc := s.lookup(ctx, limit, b, targets, ws.dir)
	if len(bc.compiled) > 0 {
		done := trace.Phase("compile " + b.platform.String())
		err := s.compile(ctx, limit, b, bc.compiled, ws.dir, starting)
		done()
		if err != nil {
			return err
		}
	}
	starting() // a batch the cache repository served compiles nothing
	done := trace.Phase("hash binaries " + b.platform.String())
	sums, err := s.settle(ctx, limit, b, ws, names, before)
	done()
	if err != nil {
		return err
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(runtime.NumCPU())
	for _, m := range b.members {
		g.Go(func() error {
			t := &targets[m.target]
			// finish's error as it is: its own goroutine returns it too.
			if err := shared[m.target].wait(gctx); err != nil {
				return err
			}
			bin := filepath.Join(ws.dir, t.Package.Name)
			hashed := func(sum string) error { return ws.hashed(t.Package.Name, sum) }
			pi, err := s.platformImage(gctx, t, shared[m.target], b.platform, bin, binSum{sums[t.Package.Name], hashed}, bc.members[m])
			if err != nil {
				return fmt.Errorf("building %s for %s: %w", t.Package.ImportPath, b.platform, err)
			}
			images[m.target][m.platform] = pi
			return nil
		})
	}
	return g.Wait()
}

// openBatchWorkspace opens (and locks) b's workspace, which the session
// records stamps of at the end, and tells progress that b compiles. It
// calls starting before it waits for another mingo's lock: that mingo may
// wait in turn for a lock this one holds, and this one's shared layers
// must not wait for the batch (see Build).
func (s *session) openBatchWorkspace(b *batch, targets []Target, starting func()) (*workspace, error) {
	ws, err := openWorkspace(s.Cache, s.Dir, b.key(), func(dir string) {
		starting()
		s.warnf("%s: waiting for another mingo that is building the same packages with the same settings; it holds the lock on %s", b.platform, dir)
	})
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.workspaces = append(s.workspaces, ws)
	s.mu.Unlock()
	for _, m := range b.members {
		t := &targets[m.target]
		s.progress(Event{Package: t.Package.ImportPath, Name: t.Package.Name, Platform: b.platform, Stage: Compiling})
	}
	return ws, nil
}

// settle checks and records the digests of the batch's binaries after
// `go build` (see binsum.go) and links the damaged ones again.
func (s *session) settle(ctx context.Context, limit *semaphore.Weighted, b *batch, ws *workspace, names []string, before map[string]string) (map[string]string, error) {
	sums, damaged, err := ws.settle(names, before, s.warnf)
	if err != nil || len(damaged) == 0 {
		return sums, err
	}
	var again []*Package
	for _, p := range b.pkgs {
		if slices.Contains(damaged, p.Name) {
			again = append(again, p)
		}
	}
	if err := s.compile(ctx, limit, b, again, ws.dir, func() {}); err != nil {
		return nil, err
	}
	relinked, damaged, err := ws.settle(damaged, map[string]string{}, s.warnf)
	if err != nil {
		return nil, err
	}
	if len(damaged) > 0 {
		return nil, fmt.Errorf("binaries %s in %s changed after linking", strings.Join(damaged, ", "), ws.dir)
	}
	maps.Copy(sums, relinked)
	return sums, nil
}

// binSum is a binary's digest (hex), or "" for a binary `go build` has
// just written, whose layer hashes it and tells hashed (see binsum.go).
type binSum struct {
	sum    string
	hashed func(sum string) error
}

// platformImage checks the binary is static and puts it on the base. The
// binary layer is the cache's on a hit; on a miss it is built and recorded
// in the cache repository.
func (s *session) platformImage(ctx context.Context, t *Target, sh *shared, p platform.Platform, bin string, sum binSum, mc *memberCache) (PlatformImage, error) {
	if err := CheckStatic(bin); err != nil {
		return PlatformImage{}, err
	}
	base, baseDigest, err := sh.base.forPlatform(p)
	if err != nil {
		return PlatformImage{}, err
	}
	pkg := t.Package
	target := path.Join(BinDir, pkg.Name)
	entry, err := layers.File(bin, target, fs.FileMode(0o755))
	if err != nil {
		return PlatformImage{}, err
	}
	entry.Digest = sum.sum
	if len(t.Capabilities) > 0 {
		v, err := layers.CapabilityXattr(t.Capabilities)
		if err != nil {
			return PlatformImage{}, err
		}
		entry.PAXRecords = map[string]string{layers.CapabilityPAX: v}
	}
	with, err := s.withLayers(ctx, t, filepath.Dir(bin))
	if err != nil {
		return PlatformImage{}, err
	}
	s.progress(Event{Package: pkg.ImportPath, Name: pkg.Name, Platform: p, Stage: Layering, BinarySize: entry.Size, Cached: mc != nil && mc.hit != nil})
	done := trace.Phase("layer " + pkg.Name + " " + p.String())
	layer, err := s.binaryLayer(ctx, entry, bin, sum, t, mc)
	done()
	if err != nil {
		return PlatformImage{}, err
	}
	annots := sh.annotations(baseDigest)
	if len(sh.platforms) == 1 {
		annots = sh.topAnnotations(baseDigest)
	}
	spec, err := s.imageSpec(ctx, t, sh, p, with, layerSpec{layer, "binary", "mingo build " + pkg.ImportPath, nil}, target)
	if err != nil {
		return PlatformImage{}, err
	}
	spec.base, spec.annotations, spec.recipe = base, annots, sh.recipeLabel
	img, err := newImage(spec)
	if err != nil {
		return PlatformImage{}, err
	}
	infos, total, err := layerInfos(img, len(spec.layers))
	if err != nil {
		return PlatformImage{}, err
	}
	done = trace.Phase("image+sbom " + pkg.Name + " " + p.String())
	doc, err := s.sbom(bin, t, spec.layers, p, img)
	done()
	if err != nil {
		return PlatformImage{}, err
	}
	s.progress(Event{Package: pkg.ImportPath, Name: pkg.Name, Platform: p, Stage: Built, BinarySize: entry.Size, ImageSize: total, Cached: mc != nil && mc.hit != nil})
	return PlatformImage{Platform: p, Image: img, BinarySize: entry.Size, Size: total, Layers: infos, SBOM: doc}, nil
}

// imageSpec is what goes into the image of t for p, but for its base and
// annotations: the shared layers, the extra programs' (with), then (with
// Delve) Delve's, then the binary's; its entrypoint runs the program at
// target, under Delve's server with Delve.
func (s *session) imageSpec(ctx context.Context, t *Target, sh *shared, p platform.Platform, with []layerSpec, binary layerSpec, target string) (imageSpec, error) {
	spec := imageSpec{platform: p, compression: t.Compression, layers: append(slices.Clone(sh.layers), with...),
		entrypoint: []string{target}, created: sh.created, env: sh.env, config: sh.config}
	if t.Delve {
		dlv, err := s.dlvLayer(ctx, p, t.Compression)
		if err != nil {
			return spec, err
		}
		spec.layers = append(spec.layers, dlv)
		spec.entrypoint = delveEntrypoint(target)
		spec.config.Expose = append(slices.Clone(spec.config.Expose), strconv.Itoa(DelvePort)+"/tcp")
	}
	spec.layers = append(spec.layers, binary)
	return spec, nil
}

// sbom describes the finished image img, built of ours, when the builder
// has an SBOM function.
func (s *session) sbom(bin string, t *Target, ours []layerSpec, p platform.Platform, img v1.Image) ([]byte, error) {
	if s.SBOM == nil {
		return nil, nil
	}
	d, err := img.Digest()
	if err != nil {
		return nil, err
	}
	in := SBOMInput{Binary: bin, Target: t, Platform: p, Image: d}
	for _, l := range ours {
		if l.component != nil {
			in.Components = append(in.Components, *l.component)
		}
	}
	doc, err := s.SBOM(in)
	if err != nil {
		return nil, fmt.Errorf("writing the SBOM: %w", err)
	}
	return doc, nil
}

// binaryLayer returns the layer holding the binary: the cache repository's
// on a hit, else built (or taken from the local cache) and recorded.
func (s *session) binaryLayer(ctx context.Context, entry layers.Entry, bin string, sum binSum, t *Target, mc *memberCache) (v1.Layer, error) {
	// The cache repository holds plain binary layers: one with file
	// capabilities is neither taken from it nor recorded in it.
	caps := len(t.Capabilities) > 0
	if mc != nil && mc.hit != nil && !caps {
		if sum.sum == "" { // extracted from the hit, so not hashed yet
			got, err := layers.FileSum(bin)
			if err != nil {
				return nil, fmt.Errorf("hashing the binary: %w", err)
			}
			return mc.hit, sum.hashed(got)
		}
		return mc.hit, nil
	}
	aside, done := s.spare()
	opts := layers.Options{ModTime: t.Created, Compression: t.Compression, HashAside: aside}
	var layer *layers.Layer
	var err error
	if sum.sum == "" {
		var sums map[string]string
		if layer, sums, err = layers.BuildFresh(ctx, s.Cache, []layers.Entry{entry}, opts); err == nil {
			err = sum.hashed(sums[entry.Path])
		}
	} else {
		layer, err = layers.BuildContext(ctx, s.Cache, []layers.Entry{entry}, opts)
	}
	done() // not through s.record's upload, which waits on the network
	if err != nil {
		return nil, fmt.Errorf("layering the binary: %w", err)
	}
	if caps {
		return layer, nil
	}
	return s.record(ctx, mc, layer), nil
}
