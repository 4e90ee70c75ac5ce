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

// job is one run of mingo build or mingo resolve: the run the flags
// describe, which overlay and connect complete.
type job struct {
	f     *buildFlags
	log   *display
	run   mingo.Run  // Outputs.Engine is set with --load
	cache cacheTrust // the cache repository's keys
}

// newJob is the run the flags describe, pushing or not (see pushes).
func (f *buildFlags) newJob(push bool, timeout time.Duration, log *display) *job {
	r := &job{f: f, log: log}
	r.run = mingo.Run{Push: push, SBOM: f.sbom == "spdx", Jobs: f.jobs, Timeout: timeout, Insecure: f.over.Insecure,
		Outputs:    mingo.Outputs{Tarball: f.tarball, SBOMDir: f.sbomDir, Layout: f.layout},
		Provenance: f.sign.provenance, BuilderID: os.Getenv("MINGO_BUILDER_ID"), ToolVersion: versionNumber(),
		Logf: log.progress, Verbosef: log.debugf, Warnf: log.warnf, CacheService: r.cacheService,
		Upload: func(repo string, done, total int64, rate float64) {
			log.set("push "+repo, fmt.Sprintf("uploading %s / %s, %s/s", humanBytes(done), humanBytes(total), humanBytes(int64(rate))), done < total)
		},
	}
	if f.loads() {
		r.run.Outputs.Engine = &publish.Daemon{Timeout: timeout}
	}
	return r
}

// overlay is the flags' overlay (see buildFlags.overlay) with what the
// local engine decides when the images go there: when nothing names
// where they go, the build loads into an engine that answers, or fails
// saying what to give; loading without --platform (and without platforms
// in the config file) builds the engine's platform only.
func (r *job) overlay(ctx context.Context, patterns []string) (over config.Overlay, err error) {
	if r.f.namesNothing(ctx, patterns) {
		if err := r.loadByDefault(ctx); err != nil {
			return over, err
		}
	}
	over = r.f.overlay(patterns, r.run.Push)
	if r.run.Outputs.Engine == nil || r.f.changed("platform") {
		return over, nil
	}
	if over.DefaultPlatforms, err = r.run.DefaultPlatforms(ctx); err != nil {
		return over, advise(err)
	}
	return over, nil
}

// loadByDefault makes a run that names no output load into the local
// engine when one answers; without one it is an error naming the outputs
// to choose from.
func (r *job) loadByDefault(ctx context.Context) error {
	d := &publish.Daemon{Timeout: r.run.Timeout}
	probe, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := d.Check(probe); err != nil {
		r.log.debugf("no engine to load into: %v", err)
		return fmt.Errorf("nothing to push to: no -t given, and no container engine answers at %s: give --load with Docker or podman running, --tarball FILE, or -t REGISTRY/REPOSITORY:TAG", d.Address())
	}
	r.run.Outputs.Engine, r.run.Push = d, false
	r.log.progress("no -t, --tarball or --oci-layout given: loading into the container engine at %s (give -t REGISTRY/REPOSITORY:TAG to push)", d.Address())
	return nil
}

// connect checks, before any build, that the engine answers (--load),
// that the cache repository's keys load and that signing works (--sign).
func (r *job) connect(ctx context.Context, cfg *mingo.Config) (err error) {
	r.run.Config = cfg
	r.run.Progress = func(e mingo.Event) { r.log.set(platformKey(e, cfg.Plural), stageStatus(e), false) }
	if err := r.run.Check(ctx); err != nil {
		return advise(err)
	}
	if r.cache, err = r.f.openCacheTrust(cfg); err != nil {
		return err
	}
	r.run.Signer, err = r.f.sign.signer(ctx, r.run.Push)
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
	if prog, err := cfg.GoCacheProgram(r.cache.service.socket(), reg.Insecure, r.run.Timeout); err == nil {
		opts = append(opts, mingo.WithGoCache(prog))
	} else {
		r.log.debugf("not sharing Go's build cache: %v", err)
	}
	return opts, r.cache.service.close, nil
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
