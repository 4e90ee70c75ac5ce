package mingo

import (
	"context"
	"errors"
	"path/filepath"
	"runtime/debug"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/mingo-build/mingo/buildcache"
	"github.com/mingo-build/mingo/config"
	"github.com/mingo-build/mingo/internal/build"
	"github.com/mingo-build/mingo/internal/gotool"
	"github.com/mingo-build/mingo/internal/layers"
	"github.com/mingo-build/mingo/internal/trace"
	"github.com/mingo-build/mingo/publish"
)

// Image is a built image or index, ready to publish: its package, names,
// platform images and SBOMs (see publish.Image; the outputs of package
// publish take it).
type Image = publish.Image

// LocalRegistry names images that have no tags in local outputs:
// mingo.local/<binary>:latest.
const LocalRegistry = "mingo.local"

// Option configures Build.
type Option func(*options)

type options struct {
	build     build.Builder
	cacheDir  string
	described *sbomInputs // with WithSBOM, for the debug variants' SBOMs
	preflight func(ctx context.Context) error
	sbom      bool
	version   string
	skipped   func(pkg, why string)
	cacheRepo string
	cacheOpts []remote.Option
	// cacheReadOnly: look binaries up in cacheRepo, record none.
	cacheReadOnly bool
	cacheSigner   buildcache.Signer
	cacheTrust    buildcache.Verifier
}

// WithDir resolves packages and runs `go build` in dir (default: the
// current directory).
func WithDir(dir string) Option { return func(o *options) { o.build.Dir = dir } }

// WithCacheDir keeps layers and binaries in dir between builds (default:
// $MINGO_CACHE, else mingo in the user's cache directory). A build trims
// the cache, at most once a day, of what no build used for
// $MINGO_CACHE_MAX_AGE (default five days).
func WithCacheDir(dir string) Option { return func(o *options) { o.cacheDir = dir } }

// WithJobs bounds concurrent `go build` processes (default: the number of
// CPUs).
func WithJobs(n int) Option { return func(o *options) { o.build.Jobs = n } }

// WithRemote sets the go-containerregistry options for pulling a registry
// base (credentials, transport).
func WithRemote(opts ...remote.Option) Option {
	return func(o *options) { o.build.Remote = opts }
}

// WithSBOM describes every platform image's binary in an SPDX 2.3 document,
// which Publish attaches (and signs, with a signer).
func WithSBOM() Option { return func(o *options) { o.sbom = true } }

// WithToolVersion sets the version recorded as the SBOMs' creator (default:
// mingo's module version from the build info).
func WithToolVersion(v string) Option { return func(o *options) { o.version = v } }

// WithProgress receives each platform's build steps.
func WithProgress(f func(Event)) Option {
	return func(o *options) { o.build.Progress = func(e build.Event) { f(eventOf(e)) } }
}

// WithWarnings receives problems a build recovered from, such as a
// damaged cache entry it dropped and rebuilt.
func WithWarnings(f func(format string, args ...any)) Option {
	return func(o *options) { o.build.Warn = f }
}

// WithVerbose receives details: go build command lines, compiler output.
func WithVerbose(f func(format string, args ...any)) Option {
	return func(o *options) { o.build.Verbose = f }
}

// WithCacheRepo shares compiled binaries between machines through the
// registry repository ref (REGISTRY/REPOSITORY), reached with opts
// (credentials, transport): before compiling a package for a platform, the
// build looks its compile key up there and, on a hit, takes the binary layer
// instead of running go build; on a miss it records the layer it built. See
// package buildcache for what the key holds. An unreachable or denying
// repository is a warning (see WithWarnings), never a failed build.
func WithCacheRepo(ref string, opts ...remote.Option) Option {
	return func(o *options) { o.cacheRepo, o.cacheOpts = ref, opts }
}

// WithCacheRepoReadOnly makes the repository of WithCacheRepo read-only:
// the build takes its hits and records no miss (for builds, such as pull
// requests', that may not write what other builds will use).
func WithCacheRepoReadOnly() Option { return func(o *options) { o.cacheReadOnly = true } }

// WithCacheSigner signs every entry the build records in the repository
// of WithCacheRepo with s (a *sign.Signer from sign.LoadKey), so that
// builds trusting its public key (WithCacheTrust) take them. The
// signature is a cosign signature of the entry's manifest, in the
// repository beside it; images do not change.
func WithCacheSigner(s buildcache.Signer) Option { return func(o *options) { o.cacheSigner = s } }

// WithCacheTrust makes the build take from the repository of WithCacheRepo
// only entries v verifies (a *sign.PublicKey from sign.LoadPublicKey, or a
// keyless *sign.Identity from sign.LoadIdentity): any other entry is a
// miss, with a warning naming it, and the binary is compiled. Without it, whoever can write the repository decides what a
// build ships. Binaries this machine built itself are taken first either
// way.
func WithCacheTrust(v buildcache.Verifier) Option { return func(o *options) { o.cacheTrust = v } }

// WithGoCache makes program Go's build cache for the build's go build
// commands (their GOCACHEPROG, such as "/usr/bin/mingo gocache --repo
// registry.example.com/team/cache"), so that a package compiled on any
// machine is not compiled again. A GOCACHEPROG in the environment or in
// `go env -w` wins. It changes no output: it is neither in the recipe
// nor in a digest or a compile key.
func WithGoCache(program string) Option {
	return func(o *options) { o.build.GoCacheProg = program }
}

// WithPreflight runs check concurrently with the build, such as a check
// that every registry to push to answers and takes the credentials: its
// error stops the build at once and is BuildTargets' error, so a typo or a
// missing login fails in a second, not after minutes of compiling.
func WithPreflight(check func(ctx context.Context) error) Option {
	return func(o *options) { o.preflight = check }
}

// WithSkipped receives packages a "..." pattern matched that cannot build
// (for example build constraints exclude all their files).
func WithSkipped(f func(pkg, why string)) Option { return func(o *options) { o.skipped = f } }

// Build builds the images specs describe, one per main package, in the
// order of specs and, within a spec, of import paths: Resolve, then
// BuildTargets.
func Build(ctx context.Context, specs []Spec, opts ...Option) ([]*Image, error) {
	targets, err := Resolve(ctx, specs, opts...)
	if err != nil {
		return nil, err
	}
	return BuildTargets(ctx, targets, opts...)
}

// Resolve lists the main packages of every spec, with one package load per
// set of build tags, and names their images, without compiling anything:
// what a caller needs to know before a build, such as the registries it
// will push to. Two packages may not share a name.
func Resolve(ctx context.Context, specs []Spec, opts ...Option) ([]Target, error) {
	o := newOptions(opts)
	ctx = withGoMemo(ctx, o.cacheDir)
	done := trace.Phase("load (resolve packages)")
	targets, err := resolve(ctx, &o, specs)
	done()
	if err != nil {
		return nil, err
	}
	if err := distinctNames(targets); err != nil {
		return nil, err
	}
	return targets, nil
}

// BuildTargets builds resolved targets: one `go build` per platform for
// all packages with the same build settings, at most WithJobs at once.
func BuildTargets(ctx context.Context, targets []Target, opts ...Option) ([]*Image, error) {
	o := newOptions(opts)
	if o.preflight == nil {
		return buildTargets(ctx, targets, o)
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	checked := make(chan error, 1)
	go func() {
		err := o.preflight(ctx)
		if err != nil {
			cancel(err)
		}
		checked <- err
	}()
	images, err := buildTargets(ctx, targets, o)
	if cerr := context.Cause(ctx); cerr != nil && !errors.Is(cerr, context.Canceled) {
		return nil, cerr // the check failed and cancelled the build
	}
	if err != nil {
		return nil, err
	}
	return images, <-checked
}

// openCacheRepo is the repository of WithCacheRepo with its read-only,
// signing and trust settings; nil without one.
func (o options) openCacheRepo() (*buildcache.Repo, error) {
	if o.cacheRepo == "" {
		return nil, nil
	}
	repo, err := buildcache.Open(o.cacheRepo, o.cacheOpts...)
	if err != nil {
		return nil, err
	}
	if o.cacheReadOnly {
		repo = repo.ReadOnly()
	}
	if o.cacheSigner != nil {
		repo = repo.SignedBy(o.cacheSigner)
	}
	if o.cacheTrust != nil {
		repo = repo.Trusting(o.cacheTrust)
	}
	return repo, nil
}

func buildTargets(ctx context.Context, targets []Target, o options) ([]*Image, error) {
	o.described = &sbomInputs{}
	done := trace.Phase("open the mingo cache")
	c, err := layers.OpenDefault(o.cacheDir, true)
	done()
	if err != nil {
		return nil, err
	}
	c.Warn = o.build.Warn
	o.build.Cache = c
	ctx = withGoMemo(ctx, c.Dir())
	if o.sbom {
		o.build.SBOM = sbomFunc(o.version, o.described)
	}
	if o.build.CacheRepo, err = o.openCacheRepo(); err != nil {
		return nil, err
	}
	tbs, err := openToolboxes(ctx, targets, o)
	if err != nil {
		return nil, err
	}
	done = trace.Phase("build (all targets)")
	images, err := o.build.Build(ctx, internalTargets(targets))
	done()
	if err != nil {
		return nil, err
	}
	if images, err = tbs.withVariants(ctx, targets, images, o); err != nil || !o.sbom {
		return images, err
	}
	if err := indexSBOMs(images, o.version); err != nil {
		return nil, err
	}
	return images, nil
}

// withGoMemo keeps the go command's package loading answers in the cache
// at dir ("" the default cache): a build that changed no package's
// imports asks the go command nothing but `go build`. Memos are off
// without a cache directory.
func withGoMemo(ctx context.Context, dir string) context.Context {
	if dir == "" {
		var err error
		if dir, err = layers.DefaultCacheDir(); err != nil {
			return ctx
		}
	}
	return gotool.WithMemo(ctx, filepath.Join(dir, gotool.MemoDir))
}

func newOptions(opts []Option) options {
	o := options{version: Version()}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// Publish sends images to every output, in the order given (see
// publish.Multi), and returns for each image its reference in the last
// output that has one (a registry's repository@digest), or nil.
func Publish(ctx context.Context, images []*Image, outputs ...publish.Interface) ([]name.Reference, error) {
	defer trace.Phase("write (publish outputs)")()
	m := publish.Multi(outputs...)
	refs, err := m.Publish(ctx, images)
	if cerr := m.Close(); err == nil && cerr != nil {
		return nil, cerr
	}
	return refs, err
}

// modulePath is mingo's module, for finding its version in build info.
const modulePath = "github.com/mingo-build/mingo"

// Version is mingo's module version as the running program was built with
// it, or "(devel)".
func Version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "(devel)"
	}
	if bi.Main.Path == modulePath && bi.Main.Version != "" {
		return bi.Main.Version
	}
	for _, d := range bi.Deps {
		if d.Path == modulePath && d.Version != "" {
			return d.Version
		}
	}
	return "(devel)"
}

// Overlay is what a program sets over a mingo.yaml, or in place of one
// (see LoadConfig and package config).
type Overlay = config.Overlay

// Push publishes the images to the registries of their tags, with the
// credentials of the Docker config, and returns each one's
// repository@digest: Publish with a default publish.Registry.
func Push(ctx context.Context, images []*Image) ([]name.Reference, error) {
	return Publish(ctx, images, &publish.Registry{})
}
