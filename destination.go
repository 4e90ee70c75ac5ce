package mingo

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/mingo-build/mingo/config"
	"github.com/mingo-build/mingo/internal/build"
	"github.com/mingo-build/mingo/publish"
)

// Where a Run's images go when the front end does not say, as mingo build
// decides it from the overlay (the names the flags and the environment
// give) and the outputs.

// EngineError is a local container engine that does not answer, found
// when a run that names nowhere for its images looks for one to load
// them into (see LoadByDefault).
type EngineError struct {
	// Address is where the engine was looked for (see
	// publish.Daemon.Address).
	Address string
	// Err is why the engine's check failed.
	Err error
}

func (e *EngineError) Error() string {
	return fmt.Sprintf("no container engine answers at %s: %v", e.Address, e.Err)
}
func (e *EngineError) Unwrap() error { return e.Err }

// DefaultPush reports whether r pushes when the front end does not say:
// never when it loads into an engine; always when something names a
// registry (over's tags or repo, KO_DOCKER_REPO), a config file is given
// (configPath) or no local file is written; with local files only, when
// r builds the mingo.yaml found (over names no packages), which may name
// repositories.
func (r *Run) DefaultPush(ctx context.Context, over config.Overlay, configPath string) bool {
	if r.Outputs.Engine != nil {
		return false
	}
	if over.Image.Tags.Set || over.Repo.Set || over.KoRepo() != "" || configPath != "" || r.Outputs.Tarball == "" && r.Outputs.Layout == "" {
		return true
	}
	return len(over.Packages) == 0 && config.Find(ctx, "") != ""
}

// NamesNothing reports whether nothing but the default says where r's
// images go: no engine, local output, tag, repo, KO_DOCKER_REPO or config
// file (given as configPath, or a mingo.yaml found when over names no
// packages, which may name repositories).
func (r *Run) NamesNothing(ctx context.Context, over config.Overlay, configPath string) bool {
	out := r.Outputs
	if out.Engine != nil || out.Tarball != "" || out.Layout != "" || out.SBOMDir != "" ||
		over.Image.Tags.Set || over.Repo.Set || os.Getenv("KO_DOCKER_REPO") != "" || configPath != "" {
		return false
	}
	return len(over.Packages) > 0 || config.Find(ctx, "") == ""
}

// LoadByDefault makes r load its images into the local engine instead of
// pushing them, when one answers within 5 seconds; otherwise it returns
// an *EngineError and leaves r as it was.
func (r *Run) LoadByDefault(ctx context.Context) error {
	d := &publish.Daemon{Timeout: r.Timeout}
	probe, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := d.Check(probe); err != nil {
		if r.Verbosef != nil {
			r.Verbosef("no engine to load into: %v", err)
		}
		return &EngineError{Address: d.Address(), Err: err}
	}
	r.Outputs.Engine, r.Push = d, false
	return nil
}

// Overlay returns over as LoadConfig reads it for r: pushing as r does
// and, when r loads into an engine and over sets no platforms, building
// the engine's platform only (see DefaultPlatforms).
func (r *Run) Overlay(ctx context.Context, over config.Overlay) (config.Overlay, error) {
	over.Push = r.Push
	if over.Image.Platforms.Set {
		return over, nil
	}
	var err error
	over.DefaultPlatforms, err = r.DefaultPlatforms(ctx)
	return over, err
}

// Summaries describe what Build returned, as SummarizeAll does, with the
// local files r wrote each image to.
func (r *Run) Summaries(images []*Image, refs []name.Reference) ([]*Summary, error) {
	all, err := SummarizeAll(images, refs)
	for _, s := range all {
		for ; s != nil; s = s.Debug {
			s.Tarball, s.OCILayout = r.Outputs.Tarball, r.Outputs.Layout
		}
	}
	return all, err
}

// Place settles where r's images go, and returns over as LoadConfig reads
// it for r (see Overlay). Unless pushGiven (the front end said whether to
// push), r pushes by default (see DefaultPush) and, when nothing names
// where the images go (see NamesNothing), loads them into the local
// engine instead (see LoadByDefault), which loaded reports. A package
// given as a .go file is a *build.GoFileError before any engine is asked.
func (r *Run) Place(ctx context.Context, over config.Overlay, configPath string, pushGiven bool) (_ config.Overlay, loaded bool, err error) {
	for _, p := range over.Packages {
		if strings.HasSuffix(p, ".go") {
			return over, false, &build.GoFileError{File: p}
		}
	}
	if !pushGiven {
		r.Push = r.DefaultPush(ctx, over, configPath)
		if r.NamesNothing(ctx, over, configPath) {
			if err := r.LoadByDefault(ctx); err != nil {
				return over, false, err
			}
			loaded = true
		}
	}
	over, err = r.Overlay(ctx, over)
	return over, loaded, err
}
