package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"time"

	"github.com/spf13/cobra"

	"github.com/mingo-build/mingo"
	"github.com/mingo-build/mingo/config"
	"github.com/mingo-build/mingo/internal/gotool"
	"github.com/mingo-build/mingo/internal/progress"
	"github.com/mingo-build/mingo/publish"
)

// buildFlags are mingo build's (and mingo resolve's) flags as cobra parsed
// them. The image settings, names and cache repository are a
// config.Overlay: what mingo.yaml would say, set where a flag was given.
type buildFlags struct {
	over                             config.Overlay
	configPath                       string
	tarball, layout, sbomDir, sbom   string
	push, load, json, quiet, verbose bool
	sign                             signFlags
	jobs                             int
	timeout                          time.Duration
	changed                          func(flag string) bool
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
	fl.Var(config.DurationValue(&f.timeout), "registry-timeout", "fail a registry request, or a request to the engine with --load, that makes no progress for `DURATION` (default $MINGO_REGISTRY_TIMEOUT, else 60s)")
	fl.Var(config.CountValue(&f.jobs), "jobs", "compile at most `N` platforms at once")
	fl.BoolVar(&f.json, "json", false, "print a JSON document with the index and per-platform digests and sizes")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "print nothing but the result")
	fl.BoolVarP(&f.verbose, "verbose", "v", false, "print details, such as compiler output")
	fl.Var(config.ChoiceValue(&f.sbom, "spdx", "none"), "sbom", "software bill of materials for each platform image: spdx (an SPDX 2.3 JSON document from the binary's build info, attached in the registry as an OCI referrer) or none")
	fl.StringVar(&f.sbomDir, "sbom-dir", "", "also write the SBOMs into `DIR`")
	fl.StringVar(&f.configPath, "config", "", "build the images described in `FILE` (default: mingo.yaml at the module root, when no package is given)")
	f.sign.register(fl)
	f.changed = func(name string) bool { return fl.Changed(name) }
}

func runBuild(ctx context.Context, f *buildFlags, patterns []string, stdout, stderr io.Writer) error {
	j, err := f.start(stderr)
	if err != nil {
		return err
	}
	defer j.log.Finish()
	over, err := j.overlay(ctx, patterns)
	if err != nil {
		return err
	}
	cfg, err := mingo.LoadConfig(ctx, f.configPath, over)
	if err != nil {
		return advise(err)
	}
	if err := j.connect(ctx, cfg); err != nil {
		return err
	}
	images, refs, err := j.run.Build(ctx)
	if err != nil {
		return advise(err)
	}
	outs, err := j.run.Summaries(images, refs)
	if err != nil {
		return advise(err)
	}
	j.log.Finish()
	j.log.SizeReport(images, cfg.Plural)
	if !j.run.Keeps() {
		j.log.Logf("warning: nothing was kept: no --tag to push to and no --tarball, --oci-layout or --load")
	}
	return printResult(stdout, f.json, cfg.Plural, outs)
}

// start checks what the flags alone can tell before anything runs, and
// returns the run they describe; overlay settles whether it pushes.
func (f *buildFlags) start(stderr io.Writer) (*job, error) {
	if f.quiet && f.verbose {
		return nil, errors.New("--quiet and --verbose contradict each other: pick one")
	}
	timeout, err := config.RegistryTimeout(f.changed("registry-timeout"), f.timeout)
	if err != nil {
		return nil, err
	}
	if err := (mingo.Outputs{Tarball: f.tarball, SBOMDir: f.sbomDir, Layout: f.layout}).Check(); err != nil {
		return nil, advise(err)
	}
	if he, ok := errors.AsType[*gotool.HomeError](gotool.CheckHome()); ok {
		return nil, fmt.Errorf("%w: set HOME (or %s)", he, he.Var)
	}
	log := progress.New(stderr, f.quiet, f.verbose)
	exe, err := os.Executable() // "": Go's build cache stays local
	if err != nil {
		log.Debugf("not sharing Go's build cache: %v", err)
	}
	j := &job{f: f, log: log, run: mingo.Run{Push: f.push, SBOM: f.sbom == "spdx", Jobs: f.jobs, Timeout: timeout, Insecure: f.over.Insecure,
		Outputs:    mingo.Outputs{Tarball: f.tarball, SBOMDir: f.sbomDir, Layout: f.layout},
		Provenance: f.sign.provenance, BuilderID: os.Getenv("MINGO_BUILDER_ID"), ToolVersion: versionNumber(), GoCacheExe: exe,
		Logf: log.Logf, Verbosef: log.Debugf, Warnf: log.Warnf,
		Upload: func(repo string, done, total int64, rate float64) {
			log.Set("push "+repo, fmt.Sprintf("uploading %s / %s, %s/s", progress.Bytes(done), progress.Bytes(total), progress.Bytes(int64(rate))), done < total)
		},
	}}
	if f.loads() {
		j.run.Outputs.Engine = &publish.Daemon{Timeout: timeout}
	}
	return j, nil
}

// loads reports whether the images go into the local engine (--load, or see config.Overlay.KoLoads).
func (f *buildFlags) loads() bool { return f.load || f.over.KoLoads() }
