package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mingo-build/mingo"
	"github.com/mingo-build/mingo/config"
	"github.com/mingo-build/mingo/internal/build"
	"github.com/mingo-build/mingo/platform"
	"github.com/mingo-build/mingo/publish"
)

// buildFlags holds the flags of mingo build (and mingo resolve) as cobra
// parsed them; nothing writes them afterwards. The image settings, names
// and cache repository are a config.Overlay: what mingo.yaml would say,
// set only where the user gave the flag.
type buildFlags struct {
	over                     config.Overlay
	configPath               string
	push, load               bool
	tarball, layout, sbomDir string
	sbom                     string
	sign                     signFlags
	jobs                     int
	timeout                  time.Duration
	json, quiet, verbose     bool
	changed                  func(flag string) bool
}

// buildExamples are mingo build's examples in its help.
const buildExamples = `  # No -t: load into the local Docker or podman engine, for its platform
  mingo build ./cmd/api

  # A third-party program at a version, no checkout needed
  mingo build github.com/google/go-containerregistry/cmd/crane@v0.20.2 -t ghcr.io/acme/crane:v0.20.2

  # Push a linux/amd64 + linux/arm64 index under two tags
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
  mingo build ./cmd/api -t ghcr.io/acme/api:v1 --sign`

func newBuildCommand() *cobra.Command {
	f := &buildFlags{jobs: runtime.NumCPU(), sbom: "spdx"}
	cmd := &cobra.Command{
		Use:   "build [PACKAGE...]",
		Short: "Compile a Go main package and publish it as a minimal multi-platform image",
		Long: `Build compiles each PACKAGE (a directory such as ./cmd/api, an import path in
the main module or its dependencies, or a pattern such as ./cmd/...; default
".", or the images of mingo.yaml at the module root when it exists; or
PKG@VERSION, any module's main package at a version, built as
"go install PKG@VERSION" builds it, without a checkout) with
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
several packages). With no --tag, --repo, KO_DOCKER_REPO, --push or local
output, the images go into the local engine, as with --load, when one
answers. Progress goes to standard
error. Builds are reproducible: the same source, Go version and flags give the
same digests. The image time is SOURCE_DATE_EPOCH, else the commit time of
the git checkout's HEAD (file times stay at the Unix epoch, so unchanged
layers keep their digests), else the Unix epoch.`,
		Example: buildExamples,
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
	im := &f.over.Image
	fl.VarP(list{dst: &im.Tags}, "tag", "t", "publish as `REF`, a full registry/repository[:tag] reference; with --repo, a bare tag applied to every image (repeatable)")
	fl.Var(text{dst: &f.over.Repo}, "repo", "name each image `REGISTRY/NAMESPACE`/<binary name>, for several packages at once; -t then takes bare tags (default latest)")
	withDefault(fl, list{dst: &im.Platforms, comma: true, check: checkPlatform}, "platform", platform.Default, "comma-separated `LIST` of os/arch[/variant] to build, or \"all\" for every Linux platform the base offers")
	fl.BoolVar(&f.push, "push", true, "push to the registry of each --tag; --push=false only writes local outputs")
	fl.BoolVar(&f.load, "load", false, "load the images into the local container engine (Docker or podman, at DOCKER_HOST; default unix:///var/run/docker.sock), as each -t or mingo.local/<binary>:latest; implies --push=false unless --push is given")
	fl.StringVar(&f.tarball, "tarball", "", "write a `FILE` that docker load accepts, holding every platform")
	fl.StringVar(&f.layout, "oci-layout", "", "write an OCI image layout holding the index and every platform to `DIR`")
	fl.BoolVar(&f.over.Insecure, "insecure-registry", false, "allow plain HTTP or unverified TLS for the registries named in --tag (not needed for plain HTTP at localhost, 127.0.0.1 or a private address)")
	fl.Var(duration{&f.timeout}, "registry-timeout", "fail a registry request, or a request to the engine with --load, that makes no progress for `DURATION` (default $MINGO_REGISTRY_TIMEOUT, else 60s)")
	fl.Var(text{dst: &im.LDFlags}, "ldflags", "extra linker `FLAGS`, added after -s -w (for example \"-X main.version=v1\")")
	fl.Var(list{dst: &im.BuildTags, comma: true}, "build-tags", "Go build `TAGS`, comma-separated")
	fl.Var(count{&f.jobs}, "jobs", "compile at most `N` platforms at once")
	fl.BoolVar(&f.json, "json", false, "print a JSON document with the index and per-platform digests and sizes")
	fl.Var(text{dst: &f.over.CacheRepo}, "cache-repo", "share compiled binaries through the registry repository `REGISTRY/REPOSITORY`: binaries built before (on any machine) are not compiled again (default $MINGO_CACHE_REPO, then cache-repo: in mingo.yaml)")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "print nothing but the result")
	fl.BoolVarP(&f.verbose, "verbose", "v", false, "print details, such as compiler output")
	fl.Var(choice{&f.sbom, []string{"spdx", "none"}}, "sbom", "software bill of materials for each platform image: spdx (an SPDX 2.3 JSON document from the binary's build info, attached in the registry as an OCI referrer) or none")
	fl.StringVar(&f.sbomDir, "sbom-dir", "", "also write the SBOMs into `DIR`")
	fl.StringVar(&f.configPath, "config", "", "build the images described in `FILE` (default: mingo.yaml at the module root, when no package is given)")
	f.sign.register(fl)
	registerImageFlags(fl, im)
	registerNaming(fl, &f.over.Naming)
	f.changed = func(name string) bool { return fl.Changed(name) }
}

func checkPlatform(p string) error {
	if p == platform.All {
		return nil
	}
	_, err := platform.ParseList(p)
	return err
}

func runBuild(ctx context.Context, f *buildFlags, patterns []string, stdout, stderr io.Writer) error {
	r, err := f.start(ctx, patterns, stderr)
	if err != nil {
		return err
	}
	defer r.log.finish()
	for _, p := range patterns {
		if strings.HasSuffix(p, ".go") { // before looking for an engine
			return advise(&build.GoFileError{File: p})
		}
	}
	over, err := r.overlay(ctx, patterns)
	if err != nil {
		return err
	}
	cfg, err := mingo.LoadConfig(ctx, f.configPath, over)
	if err != nil {
		return advise(err)
	}
	if err := r.connect(ctx); err != nil {
		return err
	}
	targets, err := mingo.Resolve(ctx, cfg.Specs, mingo.WithSkipped(func(pkg, why string) {
		r.log.progress("skipping %s: %s", pkg, why)
	}))
	if err != nil {
		return advise(err)
	}
	for _, t := range targets {
		if t.Version != "" {
			r.log.progress("building %s@%s", t.ImportPath, t.Version)
		}
	}
	images, outs, err := r.buildAndPublish(ctx, targets, cfg)
	if err != nil {
		return err
	}
	r.log.finish()
	sizeReport(r.log, images, cfg.Plural)
	if !r.push && !f.loads() && f.tarball == "" && f.layout == "" && f.sbomDir == "" {
		r.log.progress("warning: nothing was kept: no --tag to push to and no --tarball, --oci-layout or --load")
	}
	return printResult(stdout, f.json, cfg.Plural, outs)
}

// start checks what the flags alone can tell before anything runs, and
// returns the run they describe.
func (f *buildFlags) start(ctx context.Context, patterns []string, stderr io.Writer) (*job, error) {
	if f.quiet && f.verbose {
		return nil, errors.New("--quiet and --verbose contradict each other: pick one")
	}
	timeout, err := f.registryTimeout()
	if err != nil {
		return nil, err
	}
	for flag, path := range map[string]string{"--tarball": f.tarball, "--oci-layout": f.layout, "--sbom-dir": f.sbomDir} {
		if err := parentExists(flag, path); err != nil {
			return nil, err
		}
	}
	if fi, err := os.Stat(f.tarball); f.tarball != "" && err == nil && fi.IsDir() {
		return nil, fmt.Errorf("--tarball %s: is a directory: give a file name", f.tarball)
	}
	if f.layout != "" {
		if err := publish.CheckLayoutDir(f.layout); err != nil {
			return nil, fmt.Errorf("--oci-layout %s: %w: choose a new or empty directory, or an existing OCI layout", f.layout, errors.Unwrap(err))
		}
	}
	if err := checkHome(); err != nil {
		return nil, err
	}
	return &job{f: f, push: f.pushes(ctx, patterns), timeout: timeout, log: newDisplay(stderr, f.quiet, f.verbose)}, nil
}

// pushes reports whether the run pushes: --push, which defaults to false
// with --load, or when there is no tag or repository to push to but a
// local output to write and no config file that could name repositories.
func (f *buildFlags) pushes(ctx context.Context, patterns []string) bool {
	if f.changed("push") {
		return f.push
	}
	if f.loads() {
		return false
	}
	if f.over.Image.Tags.Set || f.over.Repo.Set || f.koRepo() != "" || f.configPath != "" || f.tarball == "" && f.layout == "" {
		return f.push
	}
	return len(patterns) == 0 && config.Find(ctx, "") != ""
}

// namesNothing reports whether nothing says where the images go: no -t,
// --repo, KO_DOCKER_REPO, --push, --load, local output or config file
// (a mingo.yaml may name repositories).
func (f *buildFlags) namesNothing(ctx context.Context, patterns []string) bool {
	if f.changed("push") || f.loads() || f.over.Image.Tags.Set || f.over.Repo.Set || os.Getenv("KO_DOCKER_REPO") != "" ||
		f.tarball != "" || f.layout != "" || f.sbomDir != "" || f.configPath != "" {
		return false
	}
	return len(patterns) > 0 || config.Find(ctx, "") == ""
}

// koRepo is KO_DOCKER_REPO, ko's repository for images named after their
// package, when neither --repo nor a full -t reference names them (bare
// -t tags, as ko takes them, go under it); "" when it is unset or means
// the local engine.
func (f *buildFlags) koRepo() string {
	r := os.Getenv("KO_DOCKER_REPO")
	if f.over.Repo.Set || !f.bareTags() || r == mingo.KoLocal || strings.HasPrefix(r, mingo.KoLocal+"/") {
		return ""
	}
	return r
}

// bareTags reports whether every -t is a bare tag (v1.2.0), as ko takes
// them: no registry, no repository.
func (f *buildFlags) bareTags() bool {
	for _, t := range f.over.Image.Tags.V {
		if strings.ContainsAny(t, "/:@") {
			return false
		}
	}
	return true
}

// loads reports whether the images go into the local engine: --load, or
// KO_DOCKER_REPO=ko.local when no -t or --repo names them.
func (f *buildFlags) loads() bool {
	if f.load {
		return true
	}
	r := os.Getenv("KO_DOCKER_REPO")
	local := r == mingo.KoLocal || strings.HasPrefix(r, mingo.KoLocal+"/")
	return local && !f.over.Repo.Set && f.bareTags()
}

// overlay is what the flags set over mingo.yaml, with the packages given,
// MINGO_CACHE_REPO under --cache-repo and KO_DOCKER_REPO under the file's
// repo.
func (f *buildFlags) overlay(patterns []string, push bool) config.Overlay {
	o := f.over
	o.Packages, o.Push = patterns, push
	if r := f.koRepo(); r != "" {
		o.DefaultRepo = config.Set(r)
	}
	if r := os.Getenv("MINGO_CACHE_REPO"); !o.CacheRepo.Set && r != "" {
		o.CacheRepo = config.Set(r)
	}
	if r := os.Getenv("MINGO_DEBUG_TOOLBOX"); !o.Image.DebugToolbox.Set && r != "" {
		o.Image.DebugToolbox = config.Set(r)
	}
	return o
}

// registryTimeout is --registry-timeout, else MINGO_REGISTRY_TIMEOUT
// (0: the default).
func (f *buildFlags) registryTimeout() (time.Duration, error) {
	v := os.Getenv("MINGO_REGISTRY_TIMEOUT")
	if f.changed("registry-timeout") || v == "" {
		return f.timeout, nil
	}
	d, err := parseTimeout(v)
	if err != nil {
		return 0, fmt.Errorf("MINGO_REGISTRY_TIMEOUT %q: %w", v, err)
	}
	return d, nil
}

// checkHome refuses to start a build the go command cannot run: without
// HOME it has no build cache (unless GOCACHE or XDG_CACHE_HOME says where)
// and no module cache (unless GOMODCACHE or GOPATH does).
func checkHome() error {
	if os.Getenv("HOME") != "" {
		return nil
	}
	if os.Getenv("GOCACHE") == "" && os.Getenv("XDG_CACHE_HOME") == "" {
		return errors.New("HOME is not set, and the go command keeps its build cache under it: set HOME (or GOCACHE)")
	}
	if os.Getenv("GOMODCACHE") == "" && os.Getenv("GOPATH") == "" {
		return errors.New("HOME is not set, and the go command keeps its module cache under it: set HOME (or GOMODCACHE)")
	}
	return nil
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
