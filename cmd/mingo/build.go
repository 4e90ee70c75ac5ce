package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mingo-build/mingo"
	"github.com/mingo-build/mingo/config"
	"github.com/mingo-build/mingo/internal/build"
	"github.com/mingo-build/mingo/internal/gotool"
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

func newBuildCommand() *cobra.Command {
	f := &buildFlags{jobs: runtime.NumCPU(), sbom: "spdx"}
	cmd := &cobra.Command{
		Use:     "build [PACKAGE...]",
		Short:   "Compile a Go main package and publish it as a minimal multi-platform image",
		Long:    helpText("build.long"),
		Example: helpText("build.examples"),
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
	f.over.AddFlags(fl)
	fl.BoolVar(&f.push, "push", true, "push to the registry of each --tag; --push=false only writes local outputs")
	fl.BoolVar(&f.load, "load", false, "load the images into the local container engine (Docker or podman, at DOCKER_HOST; default unix:///var/run/docker.sock), as each -t or mingo.local/<binary>:latest; implies --push=false unless --push is given")
	fl.StringVar(&f.tarball, "tarball", "", "write a `FILE` that docker load accepts, holding every platform")
	fl.StringVar(&f.layout, "oci-layout", "", "write an OCI image layout holding the index and every platform to `DIR`")
	fl.Var(duration{&f.timeout}, "registry-timeout", "fail a registry request, or a request to the engine with --load, that makes no progress for `DURATION` (default $MINGO_REGISTRY_TIMEOUT, else 60s)")
	fl.Var(count{&f.jobs}, "jobs", "compile at most `N` platforms at once")
	fl.BoolVar(&f.json, "json", false, "print a JSON document with the index and per-platform digests and sizes")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "print nothing but the result")
	fl.BoolVarP(&f.verbose, "verbose", "v", false, "print details, such as compiler output")
	fl.Var(choice{&f.sbom, []string{"spdx", "none"}}, "sbom", "software bill of materials for each platform image: spdx (an SPDX 2.3 JSON document from the binary's build info, attached in the registry as an OCI referrer) or none")
	fl.StringVar(&f.sbomDir, "sbom-dir", "", "also write the SBOMs into `DIR`")
	fl.StringVar(&f.configPath, "config", "", "build the images described in `FILE` (default: mingo.yaml at the module root, when no package is given)")
	f.sign.register(fl)
	f.changed = func(name string) bool { return fl.Changed(name) }
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
	if err := r.connect(ctx, cfg); err != nil {
		return err
	}
	images, refs, err := r.run.Build(ctx)
	if err != nil {
		return advise(err)
	}
	outs, err := r.describe(images, refs)
	if err != nil {
		return advise(err)
	}
	r.log.finish()
	sizeReport(r.log, images, cfg.Plural)
	if !r.run.Keeps() {
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
	timeout, err := registryTimeout(f.changed("registry-timeout"), f.timeout)
	if err != nil {
		return nil, err
	}
	if err := (mingo.Outputs{Tarball: f.tarball, SBOMDir: f.sbomDir, Layout: f.layout}).Check(); err != nil {
		return nil, advise(err)
	}
	if he, ok := errors.AsType[*gotool.HomeError](gotool.CheckHome()); ok {
		return nil, fmt.Errorf("%w: set HOME (or %s)", he, he.Var)
	}
	return f.newJob(f.pushes(ctx, patterns), timeout, newDisplay(stderr, f.quiet, f.verbose)), nil
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

// koRepo is KO_DOCKER_REPO when it names the images (see
// config.Overlay.KoRepo).
func (f *buildFlags) koRepo() string { return f.over.KoRepo() }

// loads reports whether the images go into the local engine: --load, or
// KO_DOCKER_REPO=ko.local when no -t or --repo names them.
func (f *buildFlags) loads() bool { return f.load || f.over.KoLoads() }

// overlay is what the flags set over mingo.yaml, with the packages given
// and the environment's defaults (see config.Overlay.WithEnv).
func (f *buildFlags) overlay(patterns []string, push bool) config.Overlay {
	o := f.over.WithEnv()
	o.Packages, o.Push = patterns, push
	return o
}
