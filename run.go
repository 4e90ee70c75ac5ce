package mingo

import (
	"context"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/mingo-build/mingo/buildcache/gocache"
	"github.com/mingo-build/mingo/publish"
	"github.com/mingo-build/mingo/sign"
)

// Run is one build-and-publish as mingo build does it, from settings held
// as plain fields: it builds the registry output (credentials, timeout,
// signing, provenance), the build options (jobs, SBOMs, the cache
// repository) and publishes to every output. A Go program that fills a
// Run builds what mingo build builds with the same flags. The zero value
// builds with the defaults and keeps nothing.
type Run struct {
	// Config is what to build (its Specs, for Build) and the cache
	// repository (CacheRepo, CacheRepoReadOnly and the keys); Publish
	// takes a nil Config as no cache repository.
	Config *Config
	// Outputs are the local outputs and the engine to load into. Its
	// Registry is replaced: Push says whether the images go to the
	// registries of their tags, through the registry Run builds. A nil
	// Outputs.Progress means Logf.
	Outputs Outputs
	// Push pushes each image to the registry of its tags.
	Push bool
	// Signer, when set, signs every image pushed and attests its SBOMs.
	// Check sets it when Sign asks for one.
	Signer *sign.Signer
	// Sign asks Check for the Signer SignOptions describe (see
	// sign.Request.Open): signing a run that does not Push is an error, as
	// is a key or Provenance without Sign. SignOptions' Sigstore instance
	// also signs the cache's entries when Config asks for keyless signing.
	Sign        bool
	SignOptions sign.Options
	// Provenance adds, with a Signer, a signed SLSA provenance naming
	// BuilderID and ToolVersion.
	Provenance bool
	// BuilderID identifies who ran the build, such as a CI workflow's
	// URL, for the provenance.
	BuilderID string
	// SBOM describes each platform image's binary in an SPDX document.
	// Only a push (which attaches them) and Outputs.SBOMDir read them;
	// they are part of no image, so skipping them otherwise changes no
	// digest and saves the work.
	SBOM bool
	// Jobs bounds concurrent go build processes, and allows twice as many
	// concurrent uploads; 0 means the number of CPUs for the builds and
	// go-containerregistry's default for the uploads.
	Jobs int
	// Timeout fails a registry request that makes no progress for that
	// long; 0 means publish.DefaultTimeout.
	Timeout time.Duration
	// Insecure allows plain HTTP or unverified TLS for the registries of
	// the targets' tags.
	Insecure bool
	// ToolVersion is mingo's version, recorded as the SBOMs' creator (""
	// means the module version from the build info, see WithToolVersion)
	// and in the provenance.
	ToolVersion string
	// Progress receives each platform's build steps; may be nil.
	Progress func(Event)
	// Logf receives a line per step of publishing; Verbosef details, such
	// as compiler output and retried requests; Warnf problems the build
	// recovered from. Each may be nil.
	Logf, Verbosef, Warnf func(format string, args ...any)
	// Upload receives byte counts while a repository's blobs upload, and
	// the average rate in bytes per second; may be nil.
	Upload func(repo string, done, total int64, rate float64)
	// CacheTrust signs the entries the build records in Config's cache
	// repository and checks those it takes; Check opens it from Config
	// when it is zero (see OpenCacheTrust and CacheTrust.SignKeyless).
	CacheTrust CacheTrust
	// GoCacheExe, when set and Config names a cache repository, is a
	// mingo executable whose gocache command shares Go's build cache
	// through that repository (see gocache.Program); Run lends it
	// CacheTrust's signer for the run (see CacheTrust.Lend).
	GoCacheExe string
}

// Check reports, before any build, a local output that cannot be written
// (see Outputs.Check) or an engine that does not answer (see
// publish.Daemon.Check), and opens the cache's trust and the signer
// (see Sign): a key that does not load, or a Sigstore that does not
// answer, fails the run before anything is built.
func (r *Run) Check(ctx context.Context) error {
	if err := r.Outputs.Check(); err != nil {
		return err
	}
	if r.Outputs.Engine != nil {
		if err := r.Outputs.Engine.Check(ctx); err != nil {
			return err
		}
	}
	if r.Config != nil && r.CacheTrust == (CacheTrust{}) {
		t, err := OpenCacheTrust(r.Config)
		if err == nil {
			err = t.SignKeyless(ctx, r.Config, r.SignOptions)
		}
		if err != nil {
			return err
		}
		r.CacheTrust = t
	}
	if r.Signer != nil {
		return nil
	}
	s, err := sign.Request{Sign: r.Sign, Provenance: r.Provenance, Push: r.Push, Options: r.SignOptions}.Open(ctx)
	r.Signer = s
	return err
}

// DefaultPlatforms are the platforms to build when neither the overlay
// nor the config file names any (see config.Overlay.DefaultPlatforms):
// with an engine to load into, the engine's own, since an engine keeps
// one platform per tag; otherwise none, which leaves the usual default.
func (r *Run) DefaultPlatforms(ctx context.Context) ([]string, error) {
	if r.Outputs.Engine == nil {
		return nil, nil
	}
	p, err := r.Outputs.Engine.Platform(ctx)
	if err != nil {
		return nil, err
	}
	return []string{p.String()}, nil
}

// Build resolves the packages of Config's specs (a package skipped, and
// one built at a version other than the main module's, are told to Logf)
// and publishes their images (see Publish).
func (r *Run) Build(ctx context.Context, opts ...Option) ([]*Image, []name.Reference, error) {
	targets, err := Resolve(ctx, r.Config.Specs, WithSkipped(func(pkg, why string) { r.logf("skipping %s: %s", pkg, why) }))
	if err != nil {
		return nil, nil, err
	}
	for _, t := range targets {
		if t.Version != "" {
			r.logf("building %s@%s", t.ImportPath, t.Version)
		}
	}
	return r.Publish(ctx, targets, opts...)
}

// Publish builds the targets, with opts after the options Run makes, and
// publishes the images to every output (see BuildAndPublish). It returns
// the images and, for each, its reference in the registry, nil when it
// was not pushed.
func (r *Run) Publish(ctx context.Context, targets []Target, opts ...Option) ([]*Image, []name.Reference, error) {
	reg := r.Registry(targets)
	remoteOpts := reg.RemoteOptions(ctx)
	own := r.options(remoteOpts)
	more, stop, err := r.cacheService(reg, remoteOpts)
	if err != nil {
		return nil, nil, err
	}
	defer stop()
	own = append(own, more...)
	out := r.Outputs
	out.Registry = nil
	if r.Push {
		out.Registry = reg
	}
	if out.Progress == nil {
		out.Progress = r.Logf
	}
	return BuildAndPublish(ctx, targets, out, append(own, opts...)...)
}

// Registry is the registry Run pushes the targets through, and reaches
// base images and the cache repository through.
func (r *Run) Registry(targets []Target) *publish.Registry {
	reg := &publish.Registry{
		Jobs:     r.Jobs * 2,
		Progress: r.Logf,
		Verbose:  r.Verbosef,
		Timeout:  r.Timeout,
		Upload:   r.Upload,
	}
	if r.Insecure {
		for _, t := range targets {
			for _, tag := range t.Tags {
				reg.Insecure = append(reg.Insecure, tag.RegistryStr())
			}
		}
	}
	if r.Signer != nil { // a nil *sign.Signer in the interface would sign
		reg.Signer = r.Signer
	}
	if r.Provenance {
		reg.Provenance = &publish.Provenance{BuilderID: r.BuilderID, ToolVersion: r.ToolVersion}
	}
	return reg
}

// options are the build options of Run's fields, reaching registries
// with remoteOpts.
func (r *Run) options(remoteOpts []remote.Option) []Option {
	opts := []Option{WithRemote(remoteOpts...)}
	if r.Jobs > 0 {
		opts = append(opts, WithJobs(r.Jobs))
	}
	if r.ToolVersion != "" {
		opts = append(opts, WithToolVersion(r.ToolVersion))
	}
	if r.Progress != nil {
		opts = append(opts, WithProgress(r.Progress))
	}
	if r.Verbosef != nil {
		opts = append(opts, WithVerbose(r.Verbosef))
	}
	if r.Warnf != nil {
		opts = append(opts, WithWarnings(r.Warnf))
	}
	if repo := r.cacheRepo(); repo != "" {
		opts = append(opts, WithCacheRepo(repo, remoteOpts...))
		if r.Config.CacheRepoReadOnly {
			opts = append(opts, WithCacheRepoReadOnly())
		}
	}
	if r.SBOM && (r.Push || r.Outputs.SBOMDir != "") {
		opts = append(opts, WithSBOM())
	}
	return opts
}

// Keeps reports whether the run keeps the images anywhere: a push, an
// engine or a local output. A run that keeps nothing only checks that
// they build.
func (r *Run) Keeps() bool {
	out := r.Outputs
	return r.Push || out.Engine != nil || out.Tarball != "" || out.Layout != "" || out.SBOMDir != ""
}

// cacheService starts what Config's cache repository needs beside the
// build: the sign service that lends CacheTrust's signer to the go
// command's GOCACHEPROG, whose environment never holds COSIGN_PASSWORD.
// It returns the options that sign, check and share the cache, and a
// function that stops the service once the run is over.
func (r *Run) cacheService(reg *publish.Registry, remoteOpts []remote.Option) ([]Option, func(), error) {
	if r.cacheRepo() == "" {
		return nil, func() {}, nil
	}
	opts := r.CacheTrust.Options()
	if r.GoCacheExe == "" { // no GOCACHEPROG, so no one to lend the signer to
		return opts, func() {}, nil
	}
	l, err := r.CacheTrust.Lend(r.Config, remoteOpts...)
	if err != nil {
		return nil, nil, err
	}
	stop := func() { _ = l.Close() }
	if prog, err := goCacheProgram(r.GoCacheExe, r.Config, l.Socket(), reg.Insecure, r.Timeout); err == nil {
		opts = append(opts, WithGoCache(prog))
	} else if r.Verbosef != nil {
		r.Verbosef("not sharing Go's build cache: %v", err)
	}
	return opts, stop, nil
}

// goCacheProgram is the GOCACHEPROG that makes cfg's cache repository Go's
// build cache too: exe's gocache command (see gocache.Program), with the
// registry settings of the build (insecure lists the registries
// Insecure applies to), the cache's read-only setting and trust key or
// identity, and
// signSocket (see sign.Lender; "" when the build does not sign).
func goCacheProgram(exe string, cfg *Config, signSocket string, insecure []string, timeout time.Duration) (string, error) {
	return gocache.Program(exe, gocache.ProgramConfig{Repo: cfg.CacheRepo, ReadOnly: cfg.CacheRepoReadOnly,
		SignSocket: signSocket, TrustKey: cfg.CacheTrustKey, TrustIdentity: cfg.CacheTrustIdentity,
		TrustIssuer: cfg.CacheTrustIssuer, TrustRoot: cfg.CacheTrustRoot, Insecure: insecure, Timeout: timeout})
}

// cacheRepo is the cache repository Config names, "" for none.
func (r *Run) cacheRepo() string {
	if r.Config == nil {
		return ""
	}
	return r.Config.CacheRepo
}

func (r *Run) logf(format string, args ...any) {
	if r.Logf != nil {
		r.Logf(format, args...)
	}
}
