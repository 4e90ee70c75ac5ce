package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/mingo-build/mingo"
	"github.com/mingo-build/mingo/config"
	"github.com/mingo-build/mingo/internal/gotool"
	"github.com/mingo-build/mingo/internal/progress"
	"github.com/mingo-build/mingo/publish"
)

// buildFlags are mingo build's (and mingo resolve's) flags as cobra parsed
// them: the image settings, names and cache repository as a
// config.Overlay (what mingo.yaml would say, set where a flag was given),
// and the run's settings as the mingo.Run they fill. Neither changes
// after parsing: a run starts from a copy.
type buildFlags struct {
	over                       config.Overlay
	run                        mingo.Run
	configPath, sbom           string
	load, json, quiet, verbose bool
	changed                    func(flag string) bool
}

func newBuildCommand() *cobra.Command {
	f := &buildFlags{}
	cmd := withHelp("build", &cobra.Command{
		Use:   "build [PACKAGE...]",
		Short: "Compile a Go main package and publish it as a minimal multi-platform image",
		RunE: func(cmd *cobra.Command, args []string) error {
			return runBuild(cmd.Context(), f, args, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	})
	f.register(cmd.Flags())
	return cmd
}

// register defines the build flags on fl (mingo build, mingo resolve).
func (f *buildFlags) register(fl *pflag.FlagSet) {
	f.over.AddFlags(fl)
	r, out := &f.run, &f.run.Outputs
	r.Jobs, f.sbom = runtime.NumCPU(), "spdx"
	fl.BoolVar(&r.Push, "push", true, "push to the registry of each --tag; --push=false only writes local outputs")
	fl.BoolVar(&f.load, "load", false, "load the images into the local container engine (Docker or podman, at DOCKER_HOST; default unix:///var/run/docker.sock), as each -t or mingo.local/<binary>:latest; implies --push=false unless --push is given")
	fl.StringVar(&out.Tarball, "tarball", "", "write a `FILE` that docker load accepts, holding every platform")
	fl.StringVar(&out.Layout, "oci-layout", "", "write an OCI image layout holding the index and every platform to `DIR`")
	fl.Var(config.DurationValue(&r.Timeout), "registry-timeout", "fail a registry request, or a request to the engine with --load, that makes no progress for `DURATION` (default $MINGO_REGISTRY_TIMEOUT, else 60s)")
	fl.Var(config.CountValue(&r.Jobs), "jobs", "compile at most `N` platforms at once")
	fl.BoolVar(&f.json, "json", false, "print a JSON document with the index and per-platform digests and sizes")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "print nothing but the result")
	fl.BoolVarP(&f.verbose, "verbose", "v", false, "print details, such as compiler output")
	fl.Var(config.ChoiceValue(&f.sbom, "spdx", "none"), "sbom", "software bill of materials for each platform image: spdx (an SPDX 2.3 JSON document from the binary's build info, attached in the registry as an OCI referrer) or none")
	fl.StringVar(&out.SBOMDir, "sbom-dir", "", "also write the SBOMs into `DIR`")
	fl.StringVar(&f.configPath, "config", "", "build the images described in `FILE` (default: mingo.yaml at the module root, when no package is given)")
	fl.BoolVar(&r.Sign, "sign", false, "sign the index and every platform image with cosign (and attest the SBOMs): with --key, or keyless where an OIDC token is available")
	r.SignOptions.AddFlags(fl)
	fl.BoolVar(&r.Provenance, "provenance", false, "attach a signed SLSA provenance attestation (needs --sign)")
	f.changed = fl.Changed
}

func runBuild(ctx context.Context, f *buildFlags, patterns []string, stdout, stderr io.Writer) error {
	j, err := f.start(ctx, stderr, patterns, f.configPath)
	if err != nil {
		return err
	}
	defer j.log.Finish()
	images, refs, err := j.run.Build(ctx)
	if err != nil {
		return advise(err)
	}
	outs, err := j.run.Summaries(images, refs)
	if err != nil {
		return advise(err)
	}
	j.log.Finish()
	j.log.SizeReport(images, j.run.Config.Plural)
	if !j.run.Keeps() {
		j.log.Logf("warning: nothing was kept: no --tag to push to and no --tarball, --oci-layout or --load")
	}
	return printResult(stdout, f.json, j.run.Config.Plural, outs)
}

// job is one run of mingo build or resolve, and the display it reports to.
type job struct {
	log *progress.Display
	run mingo.Run
}

// start returns the run the flags describe, its images' config loaded
// (configPath, with the flags and patterns over it) and everything
// checked that can be before a build: outputs, engine, keys, signing.
func (f *buildFlags) start(ctx context.Context, stderr io.Writer, patterns []string, configPath string) (*job, error) {
	j, err := f.newJob(stderr)
	if err != nil {
		return nil, err
	}
	if err := j.load(ctx, f, patterns, configPath); err != nil {
		j.log.Finish()
		return nil, signAdvice(err, j.run.SignOptions.Key)
	}
	return j, nil
}

// newJob checks what the flags alone can tell before anything runs.
func (f *buildFlags) newJob(stderr io.Writer) (*job, error) {
	if f.quiet && f.verbose {
		return nil, errors.New("--quiet and --verbose contradict each other: pick one")
	}
	timeout, err := config.RegistryTimeout(f.changed("registry-timeout"), f.run.Timeout)
	if err != nil {
		return nil, err
	}
	if he, ok := errors.AsType[*gotool.HomeError](gotool.CheckHome()); ok {
		return nil, fmt.Errorf("%w: set HOME (or %s)", he, he.Var)
	}
	log := progress.New(stderr, f.quiet, f.verbose)
	run := f.run
	run.Timeout, run.SBOM, run.Insecure = timeout, f.sbom == "spdx", f.over.Insecure
	run.BuilderID, run.ToolVersion = os.Getenv("MINGO_BUILDER_ID"), versionNumber()
	if run.GoCacheExe, err = os.Executable(); err != nil { // "": Go's build cache stays local
		log.Debugf("not sharing Go's build cache: %v", err)
	}
	run.Logf, run.Verbosef, run.Warnf, run.Upload = log.Logf, log.Debugf, log.Warnf, log.Upload
	if f.load || f.over.KoLoads() {
		run.Outputs.Engine = &publish.Daemon{Timeout: timeout}
	}
	return &job{log: log, run: run}, nil
}

// load settles where the images go (see mingo.Run.Place), loads the
// config with what the flags and the environment set over it, and
// checks the run (see check).
func (j *job) load(ctx context.Context, f *buildFlags, patterns []string, configPath string) error {
	over := f.over.WithEnv()
	over.Packages = patterns
	over, loaded, err := j.run.Place(ctx, over, f.configPath, f.changed("push"))
	if loaded {
		j.log.Logf("no -t, --tarball or --oci-layout given: loading into the container engine at %s (give -t REGISTRY/REPOSITORY:TAG to push)", j.run.Outputs.Engine.Address())
	}
	if err != nil {
		return err
	}
	if j.run.Config, err = mingo.LoadConfig(ctx, configPath, over); err != nil {
		return err
	}
	plural := j.run.Config.Plural
	j.run.Progress = func(e mingo.Event) { j.log.Set(progress.Key(e, plural), progress.Status(e), false) }
	return f.check(ctx, &j.run)
}

// check is run.Check, once run has its Config; a cache key flag given
// without a cache repository is an error, not a key silently ignored.
func (f *buildFlags) check(ctx context.Context, run *mingo.Run) error {
	if run.Config.CacheRepo == "" {
		for _, fl := range []string{"cache-sign-key", "cache-sign-keyless", "cache-trust-key", "cache-trust-identity", "cache-trust-issuer", "cache-trust-root", "cache-repo-read-only"} {
			if f.changed(fl) {
				return fmt.Errorf("--%s applies to the cache repository, and there is none: give --cache-repo too", fl)
			}
		}
	}
	return run.Check(ctx)
}

// printResult prints one line per image (REPOSITORY@DIGEST, or the digest
// when nothing was pushed), its debug variant's on the next line, or with
// --json one document (mingo.Summary), an array when the command line
// named several packages.
func printResult(w io.Writer, asJSON, multi bool, outs []*mingo.Summary) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if multi {
			return enc.Encode(outs)
		}
		return enc.Encode(outs[0])
	}
	for _, out := range outs {
		for o := out; o != nil; o = o.Debug {
			if _, err := fmt.Fprintln(w, cmp.Or(o.Reference, o.Digest)); err != nil {
				return err
			}
		}
	}
	return nil
}
