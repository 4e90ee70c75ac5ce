package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/mingo-build/mingo"
	"github.com/mingo-build/mingo/config"
	"github.com/mingo-build/mingo/publish"
)

// job is one run of mingo build or mingo resolve: what the flags decided,
// and what it connected to.
type job struct {
	f       *buildFlags
	push    bool
	load    bool // into the local engine
	timeout time.Duration
	log     *display
	daemon  *publish.Daemon // with --load
	cache   cacheTrust      // the cache repository's keys
	run     *mingo.Run      // what connect made of the flags
}

// overlay is the flags' overlay (see buildFlags.overlay) with what the
// local engine decides when the images go there: when nothing names
// where they go, the build loads into an engine that answers, or fails
// saying what to give; loading without --platform (and without platforms
// in the config file) builds the engine's platform only.
func (r *job) overlay(ctx context.Context, patterns []string) (config.Overlay, error) {
	f := r.f
	if f.namesNothing(ctx, patterns) {
		if err := r.loadByDefault(ctx); err != nil {
			return config.Overlay{}, err
		}
	}
	over := f.overlay(patterns, r.push)
	if !r.load || f.changed("platform") {
		return over, nil
	}
	p, err := r.engine().Platform(ctx)
	if err != nil {
		return over, advise(err)
	}
	over.DefaultPlatforms = []string{p.String()}
	return over, nil
}

// loadByDefault makes a run that names no output load into the local
// engine when one answers; without one it is an error naming the outputs
// to choose from.
func (r *job) loadByDefault(ctx context.Context) error {
	d := r.engine()
	probe, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := d.Check(probe); err != nil {
		r.log.debugf("no engine to load into: %v", err)
		return fmt.Errorf("nothing to push to: no -t given, and no container engine answers at %s: give --load with Docker or podman running, --tarball FILE, or -t REGISTRY/REPOSITORY:TAG", d.Address())
	}
	r.load, r.push = true, false
	r.log.progress("no -t, --tarball or --oci-layout given: loading into the container engine at %s (give -t REGISTRY/REPOSITORY:TAG to push)", d.Address())
	return nil
}

// engine is the local engine that --load loads into.
func (r *job) engine() *publish.Daemon {
	if r.daemon == nil {
		r.daemon = &publish.Daemon{Timeout: r.timeout}
	}
	return r.daemon
}

// connect checks, before any build, that the engine answers (--load),
// that the cache repository's keys load and that signing works (--sign),
// and makes the run the flags describe.
func (r *job) connect(ctx context.Context, cfg *mingo.Config) error {
	f := r.f
	r.run = &mingo.Run{
		Config: cfg, Push: r.push, SBOM: f.sbom == "spdx", Jobs: f.jobs, Timeout: r.timeout, Insecure: f.over.Insecure,
		Outputs:     mingo.Outputs{Tarball: f.tarball, SBOMDir: f.sbomDir, Layout: f.layout},
		Provenance:  f.sign.provenance,
		BuilderID:   os.Getenv("MINGO_BUILDER_ID"),
		ToolVersion: versionNumber(),
		Progress:    func(e mingo.Event) { r.log.set(platformKey(e, cfg.Plural), stageStatus(e), false) },
		Logf:        r.log.progress, Verbosef: r.log.debugf, Warnf: r.log.warnf,
		Upload: func(repo string, done, total int64, rate float64) {
			r.log.set("push "+repo, fmt.Sprintf("uploading %s / %s, %s/s", humanBytes(done), humanBytes(total), humanBytes(int64(rate))), done < total)
		},
		CacheService: r.cacheService,
	}
	if r.load {
		r.run.Outputs.Engine = r.engine()
	}
	if err := r.run.Check(ctx); err != nil {
		return advise(err)
	}
	var err error
	if r.cache, err = f.openCacheTrust(cfg); err != nil {
		return err
	}
	r.run.Signer, err = f.sign.signer(ctx, r.push)
	return err
}

// cacheService starts the sign service of the cache repository (see
// mingo.Run.CacheService) and shares Go's build cache through it when
// GOCACHEPROG can be this mingo.
func (r *job) cacheService(ctx context.Context, reg *publish.Registry) ([]mingo.Option, func(), error) {
	cfg := r.run.Config
	if err := r.cache.startService(cfg, reg.RemoteOptions(ctx)); err != nil {
		return nil, nil, err
	}
	opts := r.cache.options()
	if prog, err := goCacheProgram(cfg, r.cache.service.socket(), reg.Insecure, r.timeout); err == nil {
		opts = append(opts, mingo.WithGoCache(prog))
	} else {
		r.log.debugf("not sharing Go's build cache: %v", err)
	}
	return opts, r.cache.service.close, nil
}

// buildAndPublish builds the targets and writes every output the flags
// name (see mingo.Run).
func (r *job) buildAndPublish(ctx context.Context, targets []mingo.Target) ([]*mingo.Image, []name.Reference, error) {
	images, refs, err := r.run.Publish(ctx, targets)
	if err != nil {
		return nil, nil, advise(err)
	}
	return images, refs, nil
}

// describe is what mingo build prints of each image (see printResult):
// a debug variant goes with the image it follows.
func (r *job) describe(images []*mingo.Image, refs []name.Reference) ([]*buildOutput, error) {
	var outs []*buildOutput
	for i, img := range images {
		out, err := describe(img)
		if err != nil {
			return nil, err
		}
		out.Tarball, out.OCILayout = r.f.tarball, r.f.layout
		if refs[i] != nil {
			out.Reference = refs[i].String()
		}
		if img.Variant == "debug" && len(outs) > 0 {
			outs[len(outs)-1].Debug = out // a debug variant follows its image
			continue
		}
		outs = append(outs, out)
	}
	return outs, nil
}
