// Package build finds Go main packages, compiles them statically for
// each target platform (one `go build` per platform for every package that
// shares build settings) and assembles their images and indexes.
package build

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/semaphore"

	"github.com/mingo-build/mingo/buildcache"
	"github.com/mingo-build/mingo/internal/gotool"
	"github.com/mingo-build/mingo/internal/layers"
	"github.com/mingo-build/mingo/internal/trace"
	"github.com/mingo-build/mingo/platform"
	"github.com/mingo-build/mingo/publish"
	"github.com/mingo-build/mingo/sbom"
)

// Settings say how one image is built: what the binary is compiled with
// and what goes around it.
type Settings struct {
	// Platforms to build, in index order; nil means every Linux platform
	// the base offers.
	Platforms []platform.Platform
	// LDFlags are added after "-s -w".
	LDFlags string
	// BuildTags are Go build tags.
	BuildTags []string
	// Created is the image creation time and every file's mtime; the zero
	// value means the Unix epoch.
	Created time.Time
	// ConfigCreated is the image creation time when Created is zero; the
	// files keep the epoch, so a layer whose files did not change keeps
	// its digest. Zero means the committer time of the git commit the
	// main package's module is checked out at (dirty or not), or the
	// epoch outside git.
	ConfigCreated time.Time
	// Base is "scratch", "distroless" or a registry reference; "" means
	// scratch.
	Base string
	// Generated selects the layers mingo generates on top of the base.
	Generated Generated
	// Adds are local files or directories copied into the image.
	Adds []Add
	// Capabilities are the Linux capabilities the binary file grants,
	// as layers.ParseCapabilities returns them.
	Capabilities []string
	// DataCreated is the time of the kodata files; zero means Created.
	DataCreated time.Time
	// Config is the user's image configuration.
	Config ImageConfig
	// Compression is how every layer mingo writes is compressed: gzip
	// (the zero value) or zstd. A registry base's layers stay as they are.
	Compression layers.Compression
	// Delve builds the program for a debugger and runs it under Delve's
	// headless server (see DelvePort).
	Delve bool
}

// Target is one image to build: a resolved package, its settings, and the
// names it goes by, which the builder passes through to the Result.
type Target struct {
	Package *Package
	// With are more main packages whose binaries go in the image at
	// /usr/local/bin/<name>, each in its own layer; Package stays the
	// entrypoint.
	With []*Package
	Settings
	// Tags are where the image is pushed; Names what it is called in local
	// outputs (a tarball, a layout, an engine).
	Tags, Names []name.Tag
}

// Builder builds targets. The zero value is not usable: Cache is required.
type Builder struct {
	// Dir is where packages resolve and `go build` runs; "" is the current
	// directory.
	Dir string
	// Cache holds compressed layers and binaries between runs.
	Cache *layers.Cache
	// Jobs bounds concurrent `go build` processes; 0 means the number of
	// CPUs.
	Jobs int
	// Remote configures pulls of a registry base (auth, transport).
	Remote []remote.Option
	// SBOM, when set, describes a platform image: its binary (a path on
	// disk) and the layers mingo generated; the result is kept in
	// PlatformImage.SBOM.
	SBOM func(in SBOMInput) ([]byte, error)
	// Progress receives each platform's steps; may be nil.
	Progress func(Event)
	// Verbose receives details (go build command lines, compiler output,
	// cache hits and misses); may be nil.
	Verbose func(format string, args ...any)
	// CacheRepo, when set, shares compiled binaries between machines (see
	// package buildcache): a binary whose compile key it holds is not
	// compiled, and a binary compiled here is recorded in it. Its failures
	// are warnings, never errors.
	CacheRepo *buildcache.Repo
	// GoCacheProg, when set, is the GOCACHEPROG of every `go build`, unless
	// the user's environment or `go env -w` sets one: theirs wins. It never
	// changes a binary (see gotool.Build.CacheProg).
	GoCacheProg string
	// Warn receives problems the build recovered from, such as a damaged
	// cached binary it dropped and relinked, or an unreachable cache
	// repository; may be nil.
	Warn func(format string, args ...any)
}

// SBOMInput is what the SBOM of one platform image describes.
type SBOMInput struct {
	// Binary is the path of the program on disk.
	Binary   string
	Target   *Target
	Platform platform.Platform
	// Image is the platform image's digest.
	Image v1.Hash
	// Components describe the layers mingo generated (CA bundle, tzdata,
	// identity files, added files), in image order.
	Components []sbom.Component
}

// Stage is a step of one platform's build.
type Stage int

// The stages a platform goes through, in order.
const (
	Compiling Stage = iota
	Layering
	Built
)

// Event reports that a platform of a package reached a stage.
type Event struct {
	// Package is the import path, Name the binary's name.
	Package  string
	Name     string
	Platform platform.Platform
	Stage    Stage
	// BinarySize is set from Layering on; ImageSize (compressed) on Built.
	BinarySize, ImageSize int64
	// Cached is set from Layering on when the binary came from the cache
	// repository instead of go build.
	Cached bool
}

// Generated selects the layers mingo generates, each its own layer.
type Generated struct {
	// CACerts adds a CA bundle: CABundle if set, else the Mozilla roots
	// pinned by go.mod.
	CACerts  bool
	CABundle []byte
	// TZData adds Go's time-zone database under /usr/share/zoneinfo.
	TZData bool
	// Passwd adds /etc/passwd, /etc/group, /etc/nsswitch.conf, /home/nonroot
	// and /tmp.
	Passwd bool
}

// Add is a local file or directory and where it goes in the image.
type Add struct {
	Local, ImagePath string
}

func (b *Builder) progress(e Event) {
	if b.Progress != nil {
		b.Progress(e)
	}
}

func (b *Builder) warnf(format string, args ...any) {
	if b.Warn != nil {
		b.Warn(format, args...)
	}
}

func (b *Builder) logf(format string, args ...any) {
	if b.Verbose != nil {
		b.Verbose(format, args...)
	}
}

// Result, PlatformImage, LayerInfo and Artifact are what publish takes.
type (
	Result        = publish.Image
	PlatformImage = publish.PlatformImage
	LayerInfo     = publish.LayerInfo
	Artifact      = publish.Artifact
)

// Build builds every target, in three steps: what each target's platforms
// share (base, generated layers, recipe); one `go build` per platform and
// group of packages with the same build settings, at most Jobs at once,
// each binary layered as soon as its batch is done; then the indexes. The
// results are in the order of targets.
func (b *Builder) Build(ctx context.Context, targets []Target) ([]*Result, error) {
	s, err := b.newSession(ctx, targets)
	if err != nil {
		return nil, err
	}
	donePrep := trace.Phase("prepare (base, platforms)")
	shared := make([]*shared, len(targets))
	// Not errgroup.WithContext: a registry base keeps the context it was
	// fetched with, to pull its layers when the image is published.
	var g errgroup.Group
	for i := range targets {
		g.Go(func() error {
			var err error
			shared[i], err = s.prepare(ctx, &targets[i])
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	donePrep()
	images := make([][]PlatformImage, len(targets))
	for i, sh := range shared {
		images[i] = make([]PlatformImage, len(sh.platforms))
	}
	jobs := b.Jobs
	if jobs <= 0 {
		jobs = runtime.NumCPU()
	}
	limit := semaphore.NewWeighted(int64(jobs))
	// The go command compiles while the platform-independent layers, the
	// annotations and the recipe are made: each platform image waits for
	// its target's. Those (and the cgo check) start once every go build
	// has: the scheduler would otherwise run them first, and a go build
	// could wait a 10 ms time slice behind them.
	g2, gctx := errgroup.WithContext(ctx)
	batches := s.batches(targets, shared)
	s.toStart.Add(len(batches))
	go func() { s.toStart.Wait(); close(s.started) }()
	for _, bt := range batches {
		g2.Go(func() error { return s.runBatch(gctx, limit, bt, targets, shared, images) })
	}
	for i := range targets {
		g2.Go(func() error { s.afterStarts(gctx); return s.finish(gctx, &targets[i], shared[i]) })
	}
	for _, c := range cgoChecks(batches) {
		g2.Go(func() error { s.afterStarts(gctx); return s.checkCgo(gctx, c) })
	}
	if err := g2.Wait(); err != nil {
		return nil, err
	}
	done := trace.Phase("record stamps")
	s.recordStamps()
	done()
	s.cache.Report()
	done = trace.Phase("results")
	defer done()
	return results(targets, shared, images), nil
}

// recordStamps records the stamps of the binaries and cached blobs this
// build settled, so that the next build neither hashes the binaries nor
// verifies the blobs again. At rest `go build` touches every binary and a
// lookup every blob just before the build ends, too recently for their
// stamps to be trusted (see stamp.Clock): waiting until the file system's
// clock has ticked past them (a few milliseconds at most) costs less than
// hashing them all next time (a thirty-binary build: 300 MB).
func (s *session) recordStamps() {
	sts := s.Cache.PendingStamps()
	for _, ws := range s.workspaces {
		sts = append(sts, ws.pendingStamps()...)
	}
	settled := s.Cache.Clock().Settle(sts)
	for _, ws := range s.workspaces {
		ws.recordStamps(settled)
	}
	s.Cache.RecordStamps(settled)
}

// newSession checks what must hold before anything is built and starts
// the session of one Build.
func (b *Builder) newSession(ctx context.Context, targets []Target) (*session, error) {
	if b.Cache == nil {
		return nil, errors.New("build: Builder.Cache is required")
	}
	for _, t := range targets {
		for _, p := range t.Platforms {
			if p.OS != "linux" {
				return nil, fmt.Errorf("platform %s: %w", p, ErrNotLinux)
			}
		}
	}
	// Before anything is built: a host GOFLAGS=-tags=netgo would change
	// every binary while the recipe says nothing of it.
	done := trace.Phase("go env")
	goenv, err := gotool.CheckEnv(ctx, b.Dir)
	done()
	if err != nil {
		return nil, err
	}
	s := &session{Builder: b, goroot: goenv["GOROOT"], goCacheProg: b.GoCacheProg, started: make(chan struct{})}
	if goenv["GOCACHEPROG"] != "" {
		s.goCacheProg = "" // the user's own, untouched
	}
	if v := goenv["GOVERSION"]; v != "" {
		s.goVersion.get(func() (string, error) { return v, nil })
	}
	if b.CacheRepo != nil {
		s.cache = buildcache.NewClient(b.CacheRepo, b.Cache, b.Warn, b.Verbose)
	}
	return s, nil
}

// results puts each target's images together, with an index when it has
// more than one platform.
func results(targets []Target, shared []*shared, images [][]PlatformImage) []*Result {
	out := make([]*Result, len(targets))
	for i, t := range targets {
		sh := shared[i]
		res := result(t, sh, images[i])
		if len(res.Images) > 1 {
			res.Index = newIndex(res.Images, sh.topAnnotations(sh.base.digest))
		}
		out[i] = res
	}
	return out
}

// result is target t's image: its package, names and platform images.
func result(t Target, sh *shared, images []PlatformImage) *Result {
	res := &Result{ImportPath: t.Package.ImportPath, Binary: t.Package.Name, Module: t.Package.ModulePath,
		Tags: t.Tags, Names: t.Names, Images: images, GoVersion: sh.recipe.GoVersion, Created: sh.created}
	if sh.recipe.Created != nil {
		res.Epoch = time.Unix(*sh.recipe.Created, 0).UTC()
	}
	return res
}

// ErrNotLinux is returned for a platform whose OS is not Linux.
var ErrNotLinux = errors.New("mingo builds Linux images only")

// layerInfos describes img's layers, the last ours of them mingo's, and
// returns the image's compressed size (manifest, config and layers).
func layerInfos(img v1.Image, ours int) ([]LayerInfo, int64, error) {
	m, err := img.Manifest()
	if err != nil {
		return nil, 0, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, 0, err
	}
	raw, err := img.RawManifest()
	if err != nil {
		return nil, 0, err
	}
	total := int64(len(raw)) + m.Config.Size
	// Our history entries name our layers (in their comment), in order.
	var names []string
	for _, h := range cf.History {
		if !h.EmptyLayer {
			names = append(names, h.Comment)
		}
	}
	infos := make([]LayerInfo, len(m.Layers))
	for i, l := range m.Layers {
		infos[i] = LayerInfo{Name: "base", Size: l.Size}
		if i >= len(m.Layers)-ours && i < len(names) && names[i] != "" {
			infos[i].Name = names[i]
		}
		total += l.Size
	}
	return infos, total, nil
}
