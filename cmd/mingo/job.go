package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/mingo-build/mingo"
	"github.com/mingo-build/mingo/config"
	"github.com/mingo-build/mingo/internal/progress"
	"github.com/mingo-build/mingo/sign"
)

// job is one run of mingo build or resolve, which overlay and connect complete.
type job struct {
	f   *buildFlags
	log *progress.Display
	run mingo.Run // Outputs.Engine is set with --load
}

// overlay is what the flags and the environment set over mingo.yaml, once
// the run knows where the images go (see mingo.Run.Place).
func (j *job) overlay(ctx context.Context, patterns []string) (config.Overlay, error) {
	over := j.f.over.WithEnv()
	over.Packages = patterns
	over, loaded, err := j.run.Place(ctx, over, j.f.configPath, j.f.changed("push"))
	if loaded {
		j.log.Logf("no -t, --tarball or --oci-layout given: loading into the container engine at %s (give -t REGISTRY/REPOSITORY:TAG to push)", j.run.Outputs.Engine.Address())
	}
	if e, ok := errors.AsType[*mingo.EngineError](err); ok {
		return over, fmt.Errorf("nothing to push to: no -t given, and no container engine answers at %s: give --load with Docker or podman running, --tarball FILE, or -t REGISTRY/REPOSITORY:TAG", e.Address)
	}
	return over, advise(err)
}

// connect checks, before any build, that the engine answers (--load),
// that the cache repository's keys load and that signing works (--sign).
func (j *job) connect(ctx context.Context, cfg *mingo.Config) (err error) {
	j.run.Config = cfg
	j.run.Progress = func(e mingo.Event) { j.log.Set(progress.Key(e, cfg.Plural), progress.Status(e), false) }
	if err := j.run.Check(ctx); err != nil {
		return advise(err)
	}
	if j.run.CacheTrust, err = j.f.openCacheTrust(cfg); err != nil {
		return err
	}
	if err := j.run.CacheTrust.SignKeyless(ctx, cfg, j.f.sign.opts); err != nil {
		return signAdvice(err, sign.Options{})
	}
	j.run.Signer, err = j.f.sign.signer(ctx, j.run.Push)
	return err
}

// openCacheTrust is mingo.OpenCacheTrust with advice; a key flag given
// without a cache repository is an error, not a key silently ignored.
func (f *buildFlags) openCacheTrust(cfg *mingo.Config) (mingo.CacheTrust, error) {
	if cfg.CacheRepo == "" {
		for _, fl := range []string{"cache-sign-key", "cache-sign-keyless", "cache-trust-key", "cache-trust-identity", "cache-trust-issuer", "cache-trust-root", "cache-repo-read-only"} {
			if f.changed(fl) {
				return mingo.CacheTrust{}, fmt.Errorf("--%s applies to the cache repository, and there is none: give --cache-repo too", fl)
			}
		}
	}
	t, err := mingo.OpenCacheTrust(cfg)
	return t, advise(err)
}
