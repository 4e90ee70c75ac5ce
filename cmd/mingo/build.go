package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/spf13/cobra"

	"github.com/mingo-build/mingo"
	"github.com/mingo-build/mingo/config"
	"github.com/mingo-build/mingo/internal/build"
	"github.com/mingo-build/mingo/internal/layers"
	"github.com/mingo-build/mingo/platform"
	"github.com/mingo-build/mingo/publish"
	"github.com/mingo-build/mingo/sign"
)

// buildFlags holds `mingo build`'s flags, as given.
type buildFlags struct {
	tags       []string
	repo       string
	configPath string
	sbom       string
	sbomDir    string
	sign       bool
	key        string
	tlogUpload bool
	fulcioURL  string
	rekorURL   string
	provenance bool
	platforms  string
	push       bool
	load       bool
	daemon     *publish.Daemon // set by runBuild when --load
	tarball    string
	layout     string
	insecure   bool
	ldflags    string
	buildTags  []string
	jobs       int
	json       bool
	quiet      bool
	verbose    bool
	cacheRepo  string
	// fileCacheRepo is mingo.yaml's cache-repo.
	fileCacheRepo string
	image         imageFlags
	changed       func(flag string) bool
	// registryTimeout is --registry-timeout as given, timeout its value
	// or MINGO_REGISTRY_TIMEOUT's (0: the default).
	registryTimeout string
	timeout         time.Duration
}

func newBuildCommand() *cobra.Command {
	f := &buildFlags{}
	cmd := &cobra.Command{
		Use:   "build [PACKAGE...]",
		Short: "Compile a Go main package and publish it as a minimal multi-platform image",
		Long: `Build compiles each PACKAGE (a directory such as ./cmd/api, an import path in
the main module or its dependencies, or a pattern such as ./cmd/...; default
".", or the images of mingo.yaml at the module root when it exists) with
CGO_ENABLED=0, -trimpath, -buildvcs=false and -ldflags "-s -w" for every
--platform,
concurrently, checks each binary is static, and wraps it in a minimal image:
distroless by default (CA roots, time zones, a nonroot user, all generated,
nothing pulled). Several platforms give one OCI index.

The result is pushed to the registry of each --tag (blobs and platform
images first, tags last), and/or written as a tarball for docker load or an
OCI layout. Credentials come from the Docker config (DOCKER_CONFIG) and its
credential helpers.

Standard output is one line per image: REPOSITORY@sha256:... of what was
pushed for the first --tag, or sha256:... of the built index or image when
nothing was pushed (--json prints a JSON document instead, an array for
several packages). Progress goes to standard
error. Builds are reproducible: the same source, Go version and flags give the
same digests; image times come from SOURCE_DATE_EPOCH (default: the Unix epoch).`,
		Example: `  # Push a linux/amd64 + linux/arm64 index under two tags
  mingo build ./cmd/api -t registry.example.com/team/api:v1.2.0 -t registry.example.com/team/api:latest

  # Three platforms into a tarball; docker load gets the host's platform
  mingo build ./cmd/api --platform linux/amd64,linux/arm64,linux/arm/v7 --tarball api.tar
  docker load -i api.tar

  # Straight into the local Docker or podman engine (DOCKER_HOST), then run it
  mingo build ./cmd/api --load && docker run --rm mingo.local/api:latest

  # An OCI image layout, for skopeo, umoci or crane
  mingo build ./cmd/api --oci-layout ./out

  # Stamp the git version, print machine-readable output
  mingo build . -t ghcr.io/acme/tool:{{.Version}} --ldflags "-X main.version={{.Version}}" --json

  # Every main package under ./cmd, each as ghcr.io/acme/<binary>
  mingo build ./cmd/... --repo ghcr.io/acme -t v1.2.0 -t latest

  # Distroless without a pull: CA roots, time zones, nonroot; or the binary alone
  mingo build ./cmd/api -t ghcr.io/acme/api:v1 --base scratch --ca-certs
  mingo build ./cmd/api -t ghcr.io/acme/api:v1 --env LOG_LEVEL=debug --add ./static:/srv/static --workdir /srv

  # Sign with a cosign key, or keylessly (GitHub Actions with id-token: write)
  COSIGN_PASSWORD=... mingo build ./cmd/api -t ghcr.io/acme/api:v1 --sign --key cosign.key --provenance
  mingo build ./cmd/api -t ghcr.io/acme/api:v1 --sign`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runBuild(cmd.Context(), f, args, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f.register(cmd)
	return cmd
}

// register defines the build flags on cmd (mingo build, mingo resolve).
func (f *buildFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringArrayVarP(&f.tags, "tag", "t", nil, "publish as `REF`, a full registry/repository[:tag] reference; with --repo, a bare tag applied to every image (repeatable)")
	fl.StringVar(&f.repo, "repo", "", "name each image `REGISTRY/NAMESPACE`/<binary name>, for several packages at once; -t then takes bare tags (default latest)")
	fl.StringVar(&f.platforms, "platform", platform.Default, "comma-separated `LIST` of os/arch[/variant] to build, or \"all\" for every Linux platform the base offers")
	fl.BoolVar(&f.push, "push", true, "push to the registry of each --tag; --push=false only writes local outputs")
	fl.BoolVar(&f.load, "load", false, "load the images into the local container engine (Docker or podman, at DOCKER_HOST; default unix:///var/run/docker.sock), as each -t or mingo.local/<binary>:latest; implies --push=false unless --push is given")
	fl.StringVar(&f.tarball, "tarball", "", "write a `FILE` that docker load accepts, holding every platform")
	fl.StringVar(&f.layout, "oci-layout", "", "write an OCI image layout holding the index and every platform to `DIR`")
	fl.BoolVar(&f.insecure, "insecure-registry", false, "allow plain HTTP or unverified TLS for the registries named in --tag")
	fl.StringVar(&f.registryTimeout, "registry-timeout", "", "fail a registry request that makes no progress for `DURATION` (default $MINGO_REGISTRY_TIMEOUT, else 60s)")
	fl.StringVar(&f.ldflags, "ldflags", "", "extra linker `FLAGS`, added after -s -w (for example \"-X main.version=v1\")")
	fl.StringSliceVar(&f.buildTags, "build-tags", nil, "Go build `TAGS`, comma-separated")
	fl.IntVar(&f.jobs, "jobs", runtime.NumCPU(), "compile at most `N` platforms at once")
	fl.BoolVar(&f.json, "json", false, "print a JSON document with the index and per-platform digests and sizes")
	fl.StringVar(&f.cacheRepo, "cache-repo", "", "share compiled binaries through the registry repository `REGISTRY/REPOSITORY`: binaries built before (on any machine) are not compiled again (default $MINGO_CACHE_REPO, then cache-repo: in mingo.yaml)")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "print nothing but the result")
	fl.BoolVarP(&f.verbose, "verbose", "v", false, "print details, such as compiler output")
	fl.StringVar(&f.sbom, "sbom", "spdx", "software bill of materials for each platform image: spdx (an SPDX 2.3 JSON document from the binary's build info, attached in the registry as an OCI referrer) or none")
	fl.StringVar(&f.sbomDir, "sbom-dir", "", "also write the SBOMs into `DIR`")
	fl.BoolVar(&f.sign, "sign", false, "sign the index and every platform image with cosign (and attest the SBOMs): with --key, or keyless where an OIDC token is available")
	fl.StringVar(&f.key, "key", "", "cosign private key `FILE` (passphrase in COSIGN_PASSWORD); see mingo generate-key")
	fl.BoolVar(&f.tlogUpload, "tlog-upload", true, "record signatures in the Rekor transparency log; --tlog-upload=false for offline key signing")
	fl.StringVar(&f.fulcioURL, "fulcio-url", sign.DefaultFulcioURL, "Fulcio certificate authority for keyless signing, at `URL`")
	fl.StringVar(&f.rekorURL, "rekor-url", sign.DefaultRekorURL, "Rekor transparency log at `URL`")
	fl.BoolVar(&f.provenance, "provenance", false, "attach a signed SLSA provenance attestation (needs --sign)")
	fl.StringVar(&f.configPath, "config", "", "build the images described in `FILE` (default: mingo.yaml at the module root, when no package is given)")
	f.image.register(cmd)
	f.changed = func(name string) bool { return fl.Changed(name) }
}

// buildPlan is the validated form of the flags.
type buildPlan struct {
	platforms []platform.Platform // nil: every platform of the base
	generated build.Generated
	adds      []build.Add
	config    build.ImageConfig
	created   time.Time
	comp      layers.Compression
}

func (f *buildFlags) plan() (*buildPlan, error) {
	var plats []platform.Platform
	if f.platforms != platform.All {
		var err error
		if plats, err = platform.ParseList(f.platforms); err != nil {
			return nil, err
		}
	}
	gen, adds, cfg, err := f.image.options(f.changed)
	if err != nil {
		return nil, err
	}
	for flag, path := range map[string]string{"--tarball": f.tarball, "--oci-layout": f.layout, "--sbom-dir": f.sbomDir} {
		if err := parentExists(flag, path); err != nil {
			return nil, err
		}
	}
	if n := len("-ldflags=-s -w " + f.ldflags); n > maxArg {
		return nil, fmt.Errorf("ldflags of %d bytes: the system passes go build one argument of at most %d bytes", n, maxArg)
	}
	if fi, err := os.Stat(f.tarball); f.tarball != "" && err == nil && fi.IsDir() {
		return nil, fmt.Errorf("--tarball %s: %w: give a file name", f.tarball, publish.ErrIsDir)
	}
	created, err := sourceDateEpoch()
	if err != nil {
		return nil, err
	}
	comp, err := layers.ParseCompression(f.image.compression)
	if err != nil {
		return nil, fmt.Errorf("--compression: %w", err)
	}
	return &buildPlan{platforms: plats, generated: gen, adds: adds, config: cfg, created: created, comp: comp}, nil
}

// maxArg is the longest single argument Linux passes to a program
// (MAX_ARG_STRLEN): a longer -ldflags makes exec fail with E2BIG.
const maxArg = 128<<10 - 1

// sourceDateEpoch returns SOURCE_DATE_EPOCH as a time, or the zero time
// (meaning the Unix epoch) when it is unset.
func sourceDateEpoch() (time.Time, error) {
	t, err := config.SourceDateEpoch()
	if err != nil {
		return t, fmt.Errorf("%w: set it to, for example, $(git log -1 --format=%%ct) or unset it", err)
	}
	return t, nil
}

// check refuses flag values that contradict each other.
func (f *buildFlags) check() error {
	if f.quiet && f.verbose {
		return errors.New("--quiet and --verbose contradict each other: pick one")
	}
	if f.jobs < 1 {
		return fmt.Errorf("--jobs %d: must be at least 1", f.jobs)
	}
	var err error
	if f.timeout, err = registryTimeout(f.registryTimeout); err != nil {
		return err
	}
	if f.sbom != "spdx" && f.sbom != "none" {
		return fmt.Errorf("--sbom %q: want spdx or none", f.sbom)
	}
	return nil
}

func runBuild(ctx context.Context, f *buildFlags, patterns []string, stdout, stderr io.Writer) error {
	if err := f.check(); err != nil {
		return err
	}
	if f.localOnly(ctx, patterns) {
		f.push = false
	}
	log := newDisplay(stderr, f.quiet, f.verbose)
	defer log.finish()
	if err := f.connectEngine(ctx, log); err != nil {
		return err
	}
	signer, err := f.signer(ctx)
	if err != nil {
		return err
	}
	jobs, multi, err := f.jobsFor(ctx, patterns)
	if err != nil {
		return err
	}
	specs := make([]mingo.Spec, len(jobs))
	for i, j := range jobs {
		if specs[i], err = j.spec(); err != nil {
			return err
		}
	}
	images, err := f.build(ctx, specs, multi, log)
	if err != nil {
		return advise(err)
	}
	outs, err := f.publish(ctx, images, signer, log)
	if err != nil {
		return advise(err)
	}
	log.finish()
	sizeReport(log, images, multi)
	if !f.push && !f.load && f.tarball == "" && f.layout == "" && f.sbomDir == "" {
		log.progress("warning: nothing was kept: no --tag to push to and no --tarball, --oci-layout or --load")
	}
	return printResult(stdout, f.json, multi, outs)
}

// localOnly reports whether --push defaults to false: no tag or
// repository to push to, but a local output to write, and no config file
// that could name repositories.
func (f *buildFlags) localOnly(ctx context.Context, patterns []string) bool {
	if f.changed("push") || len(f.tags) > 0 || f.repo != "" || f.configPath != "" {
		return false
	}
	if f.tarball == "" && f.layout == "" {
		return false
	}
	return len(patterns) > 0 || config.Find(ctx, "") == ""
}

// build resolves the specs and builds them while, when pushing, checking
// that every registry is reachable and takes the credentials.
func (f *buildFlags) build(ctx context.Context, specs []mingo.Spec, multi bool, log *display) ([]*mingo.Image, error) {
	targets, err := mingo.Resolve(ctx, specs, mingo.WithSkipped(func(pkg, why string) {
		log.progress("skipping %s: %s", pkg, why)
	}))
	if err != nil {
		return nil, err
	}
	return f.buildTargets(ctx, targets, multi, log)
}

// buildTargets builds resolved targets while, when pushing, checking that
// every registry is reachable and takes the credentials.
func (f *buildFlags) buildTargets(ctx context.Context, targets []build.Target, multi bool, log *display) ([]*mingo.Image, error) {
	reg := f.registry(targetTags(targets), log)
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	checked := make(chan error, 1)
	if f.push {
		// Check the registries while compiling, so a typo in --tag or a
		// missing login fails in a second, not after minutes of building.
		go func() {
			err := reg.Check(ctx, targetTags(targets))
			if err != nil {
				cancel(err)
			}
			checked <- err
		}()
	} else {
		checked <- nil
	}
	opts := []mingo.Option{
		mingo.WithJobs(f.jobs),
		mingo.WithRemote(reg.RemoteOptions(ctx)...),
		mingo.WithToolVersion(versionNumber()),
		mingo.WithProgress(func(e build.Event) { log.set(platformKey(e, multi), stageStatus(e), false) }),
		mingo.WithVerbose(log.debugf),
		mingo.WithWarnings(log.warnf),
	}
	if repo := f.cacheRepoRef(); repo != "" {
		opts = append(opts, mingo.WithCacheRepo(repo, reg.RemoteOptions(ctx)...))
	}
	if f.sbom == "spdx" {
		opts = append(opts, mingo.WithSBOM())
	}
	images, err := mingo.BuildTargets(ctx, targets, opts...)
	if cerr := context.Cause(ctx); cerr != nil && !errors.Is(cerr, context.Canceled) {
		return nil, cerr // the registry check failed and cancelled the build
	}
	if err != nil {
		return nil, err
	}
	return images, <-checked
}

// cacheRepoRef is the cache repository: --cache-repo, else
// MINGO_CACHE_REPO, else mingo.yaml's cache-repo; "" for none.
func (f *buildFlags) cacheRepoRef() string {
	if f.changed("cache-repo") {
		return f.cacheRepo
	}
	if r := os.Getenv("MINGO_CACHE_REPO"); r != "" {
		return r
	}
	return f.fileCacheRepo
}

// registry is the registry output the flags describe.
func (f *buildFlags) registry(tags []name.Tag, log *display) *publish.Registry {
	reg := &publish.Registry{
		Insecure: insecureHosts(f.insecure, tags),
		Jobs:     f.jobs * 2,
		Progress: log.progress,
		Verbose:  log.debugf,
		Timeout:  f.timeout,
		Upload: func(repo string, done, total int64, rate float64) {
			log.set("push "+repo, fmt.Sprintf("uploading %s / %s, %s/s", humanBytes(done), humanBytes(total), humanBytes(int64(rate))), done < total)
		},
	}
	if f.provenance {
		reg.Provenance = &publish.Provenance{BuilderID: os.Getenv("MINGO_BUILDER_ID"), ToolVersion: versionNumber()}
	}
	return reg
}

// publish writes the local outputs (every image in one tarball, SBOM
// directory or layout), then pushes each image; each output is all or
// nothing.
func (f *buildFlags) publish(ctx context.Context, images []*mingo.Image, signer *sign.Signer, log *display) ([]*buildOutput, error) {
	var outputs []publish.Interface
	if f.tarball != "" {
		for _, img := range images {
			if len(img.Images) > 1 {
				load := publish.LoadImage(img)
				log.progress("tarball: docker load gets %s as %s; all %d platforms are in its OCI index", load.Platform, joinTags(img.Names), len(img.Images))
			}
		}
		outputs = append(outputs, logged(&publish.Tarball{Path: f.tarball}, log, "wrote "+f.tarball))
	}
	if f.sbomDir != "" {
		outputs = append(outputs, logged(&publish.SBOMDir{Dir: f.sbomDir}, log, "wrote SBOMs to "+f.sbomDir))
	}
	if f.layout != "" {
		outputs = append(outputs, logged(&publish.Layout{Dir: f.layout}, log, "wrote OCI layout "+f.layout))
	}
	if f.daemon != nil {
		outputs = append(outputs, logged(f.daemon, log, "loaded into the engine at "+f.daemon.Address()))
	}
	if f.push {
		reg := f.registry(imageTags(images), log)
		if signer != nil {
			reg.Signer = signer
		}
		outputs = append(outputs, reg)
	}
	refs, err := mingo.Publish(ctx, images, outputs...)
	if err != nil {
		return nil, err
	}
	outs := make([]*buildOutput, len(images))
	for i, img := range images {
		if outs[i], err = describe(img); err != nil {
			return nil, err
		}
		outs[i].Tarball, outs[i].OCILayout = f.tarball, f.layout
		if refs[i] != nil {
			outs[i].Reference = refs[i].String()
		}
	}
	return outs, nil
}

// connectEngine, with --load, makes --push default to false and checks
// before any build that the engine answers.
func (f *buildFlags) connectEngine(ctx context.Context, log *display) error {
	if !f.load {
		return nil
	}
	if !f.changed("push") {
		f.push = false
	}
	f.daemon = newDaemon(log)
	return advise(f.daemon.Check(ctx))
}

// newDaemon is the engine output, which says on standard error what an
// engine that keeps one platform per tag did not get.
func newDaemon(log *display) *publish.Daemon {
	return &publish.Daemon{Skipped: func(img *mingo.Image, loaded platform.Platform, skipped []platform.Platform) {
		s := make([]string, len(skipped))
		for i, p := range skipped {
			s[i] = p.String()
		}
		log.progress("load: %s gets %s only (this engine keeps one platform per tag); skipped %s", joinTags(img.Names), loaded, strings.Join(s, ", "))
	}}
}

// spec is the job's image spec: its packages under its flags.
func (j *buildJob) spec() (mingo.Spec, error) {
	f := j.flags
	plan, err := f.plan()
	if err != nil {
		return mingo.Spec{}, err
	}
	if err := f.checkNames(j.multi); err != nil {
		return mingo.Spec{}, err
	}
	return mingo.Spec{
		Packages: j.patterns,
		Repo:     f.repo,
		Tags:     f.tags,
		Insecure: f.insecure,
		Settings: build.Settings{
			Platforms: plan.platforms,
			LDFlags:   f.ldflags,
			BuildTags: f.buildTags,
			Created:   plan.created,
			Base:      f.image.base,
			Generated: plan.generated,
			Adds:      plan.adds,
			Config:    plan.config,

			Compression: plan.comp,
		},
	}, nil
}

// buildJob is one set of packages built with one set of flags: the command
// line, or one image of the config file (its settings under the flags the
// user gave).
type buildJob struct {
	flags    *buildFlags
	patterns []string
	multi    bool
}

// registryTimeout parses --registry-timeout, or MINGO_REGISTRY_TIMEOUT
// when the flag is not given: a Go duration (90s, 2m) or whole seconds.
func registryTimeout(flag string) (time.Duration, error) {
	name, v := "--registry-timeout", flag
	if v == "" {
		name, v = "MINGO_REGISTRY_TIMEOUT", os.Getenv("MINGO_REGISTRY_TIMEOUT")
	}
	if v == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if n, nerr := strconv.Atoi(v); err != nil && nerr == nil {
		d, err = time.Duration(n)*time.Second, nil
	}
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s %q: want a positive duration such as 60s or 2m", name, v)
	}
	return d, nil
}

// insecureHosts lists the registries of tags when --insecure-registry is on.
func insecureHosts(insecure bool, tags []name.Tag) []string {
	if !insecure {
		return nil
	}
	var hosts []string
	for _, t := range tags {
		hosts = append(hosts, t.RegistryStr())
	}
	return hosts
}

// parentExists checks, before any build, that path's directory exists, so
// a typo fails in a second rather than after compiling.
func parentExists(flag, path string) error {
	if path == "" {
		return nil
	}
	dir := filepath.Dir(filepath.Clean(path))
	fi, err := os.Stat(dir)
	if err != nil || !fi.IsDir() {
		return fmt.Errorf("%s %s: directory %s does not exist: create it, or choose another path", flag, path, dir)
	}
	return nil
}

func openCache() (*layers.Cache, error) { return mingo.DefaultCache() }
