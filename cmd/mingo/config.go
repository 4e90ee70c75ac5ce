package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/mingo-build/mingo/config"
	"github.com/mingo-build/mingo/internal/build"
	"github.com/mingo-build/mingo/internal/layers"
	"github.com/mingo-build/mingo/platform"
)

// jobsFor decides what to build: the packages on the command line, or the
// images of the config file (--config, or mingo.yaml at the module root
// when no package is given). multi is whether output lists several images.
func (f *buildFlags) jobsFor(ctx context.Context, patterns []string) ([]*buildJob, bool, error) {
	path := f.configPath
	if path != "" && len(patterns) > 0 {
		return nil, false, errors.New("--config names the images to build: give packages in the file or on the command line, not both")
	}
	if path == "" && len(patterns) == 0 {
		path = config.Find(ctx, "")
	}
	vars := config.LazyVars(ctx, "")
	if path == "" {
		g := *f
		var err error
		if g.tags, err = config.ExpandAll(g.tags, vars); err != nil {
			return nil, false, fmt.Errorf("-t: %w", err)
		}
		if g.ldflags, err = config.Expand(g.ldflags, vars); err != nil {
			return nil, false, fmt.Errorf("--ldflags: %w", err)
		}
		return []*buildJob{{flags: &g, patterns: patterns, multi: isMulti(patterns)}}, isMulti(patterns), nil
	}
	cfg, err := config.Load(path)
	if err != nil {
		return nil, false, configHint(err)
	}
	f.fileCacheRepo = cfg.CacheRepo.V
	var jobs []*buildJob
	for i := range cfg.Images {
		j, err := f.imageJob(cfg, i, vars)
		if err != nil {
			return nil, false, err
		}
		jobs = append(jobs, j)
	}
	return jobs, true, nil
}

// configHint adds to an error of config.Load the fix for the user.
func configHint(err error) error {
	switch {
	case errors.Is(err, config.ErrNoImages):
		return fmt.Errorf("%w: add an images: list with at least one package", err)
	case errors.Is(err, config.ErrNoPackage):
		return fmt.Errorf("%w, for example package: ./cmd/api", err)
	}
	return err
}

// imageJob applies image i of the file over the defaults, under the flags
// the user gave on the command line, which win. cfg has passed
// config.Load, so the image has a package.
func (f *buildFlags) imageJob(cfg *config.File, i int, vars func() config.Vars) (*buildJob, error) {
	im := cfg.Images[i]
	errAt := func(line int, key string, err error) error {
		return &config.Error{Path: cfg.Path, Line: line, Err: fmt.Errorf("images[%d].%s: %w", i, key, err)}
	}
	g := *f
	cli := f.changed
	set := map[string]bool{}
	g.changed = func(name string) bool { return cli(name) || set[name] }
	str := func(flag string, v config.Located[string], dst *string) {
		if v.Set && !cli(flag) {
			*dst, set[flag] = v.V, true
		}
	}
	list := func(flag string, v config.Located[[]string], dst *[]string) {
		if v.Set && !cli(flag) {
			*dst, set[flag] = v.V, true
		}
	}
	boolean := func(flag string, v config.Located[bool], dst *bool) {
		if v.Set && !cli(flag) {
			*dst, set[flag] = v.V, true
		}
	}
	if im.Platforms.Set && !cli("platform") {
		g.platforms = strings.Join(im.Platforms.V, ",")
		if g.platforms != platform.All {
			if _, err := platform.ParseList(g.platforms); err != nil {
				return nil, errAt(im.Platforms.Line, "platforms", err)
			}
		}
	}
	str("base", im.Base, &g.image.base)
	str("ldflags", im.LDFlags, &g.ldflags)
	list("build-tags", im.BuildTags, &g.buildTags)
	str("user", im.User, &g.image.user)
	str("workdir", im.Workdir, &g.image.workdir)
	list("arg", im.Args, &g.image.args)
	list("add", im.Add, &g.image.adds)
	boolean("ca-certs", im.CACerts, &g.image.caCerts)
	boolean("tzdata", im.TZData, &g.image.tzdata)
	boolean("passwd", im.Passwd, &g.image.passwd)
	str("ca-bundle", im.CABundle, &g.image.caBundle)
	list("expose", im.Expose, &g.image.expose)
	list("volume", im.Volumes, &g.image.volumes)
	str("stop-signal", im.StopSignal, &g.image.stopSignal)
	str("compression", im.Compression, &g.image.compression)
	// Maps merge: the file's entries, then the command line's, which win.
	g.image.env = append(config.SortedKV(im.Env.V), f.image.env...)
	g.image.labels = append(config.SortedKV(im.Labels.V), f.image.labels...)
	g.image.annots = append(config.SortedKV(im.Annotations.V), f.image.annots...)

	var err error
	if g.ldflags, err = config.Expand(g.ldflags, vars); err != nil {
		if cli("ldflags") {
			return nil, fmt.Errorf("--ldflags: %w", err)
		}
		return nil, errAt(im.LDFlags.Line, "ldflags", err)
	}
	if g.tags, err = config.ExpandAll(g.tags, vars); err != nil {
		return nil, fmt.Errorf("-t: %w", err)
	}
	if im.Tags.V, err = config.ExpandAll(im.Tags.V, vars); err != nil {
		return nil, errAt(im.Tags.Line, "tags", err)
	}
	if err := g.nameImage(cfg, im); err != nil {
		return nil, errAt(max(im.Tags.Line, im.Repository.Line, im.Line), "tags", err)
	}
	if im.User.Set && (g.image.base == build.BaseScratch || g.image.base == build.BaseDistroless) {
		if _, _, err := layers.ResolveUser(g.image.user); err != nil {
			return nil, errAt(im.User.Line, "user", err)
		}
	}
	if err := checkRuntimeKeys(im, errAt); err != nil {
		return nil, err
	}
	if _, err := g.plan(); err != nil {
		return nil, &config.Error{Path: cfg.Path, Line: im.Line, Err: fmt.Errorf("images[%d]: %w", i, err)}
	}
	return &buildJob{flags: &g, patterns: []string{im.Package.V}, multi: isMulti([]string{im.Package.V})}, nil
}

// nameImage sets g's tags (and repo) from the image's repository and tags,
// the file's repo, or --repo; -t on the command line replaces the tags.
func (g *buildFlags) nameImage(cfg *config.File, im config.Image) error {
	tags := im.Tags.V
	if len(g.tags) > 0 {
		tags = g.tags // -t on the command line: bare tags, which win
	}
	if len(tags) == 0 {
		tags = []string{"latest"}
	}
	repo := g.repo
	if repo == "" {
		repo = cfg.Repo.V
	}
	if im.Repository.Set {
		g.repo, g.tags = "", nil
		for _, t := range tags {
			g.tags = append(g.tags, im.Repository.V+":"+t)
		}
		return nil
	}
	if repo == "" {
		if g.push {
			return errors.New("no repository: set repository: on the image, repo: at the top, or --repo")
		}
		g.tags = nil
		return nil
	}
	g.repo, g.tags = repo, tags
	return nil
}

// checkRuntimeKeys checks the file's expose, volumes, stop-signal and
// compression, so that an error points at the key's line.
func checkRuntimeKeys(im config.Image, errAt func(int, string, error) error) error {
	for _, p := range im.Expose.V {
		if _, err := build.ParsePort(p); err != nil {
			return errAt(im.Expose.Line, "expose", err)
		}
	}
	for _, v := range im.Volumes.V {
		if err := build.CheckVolume(v); err != nil {
			return errAt(im.Volumes.Line, "volumes", err)
		}
	}
	if im.StopSignal.Set {
		if _, err := build.ParseSignal(im.StopSignal.V); err != nil {
			return errAt(im.StopSignal.Line, "stop-signal", err)
		}
	}
	if im.Compression.Set {
		if _, err := layers.ParseCompression(im.Compression.V); err != nil {
			return errAt(im.Compression.Line, "compression", err)
		}
	}
	return nil
}
