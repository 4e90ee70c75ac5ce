package build

import (
	"crypto/sha256"
	"fmt"
	"time"

	"github.com/mingo-build/mingo/internal/layers"
	"github.com/mingo-build/mingo/internal/recipe"
	"github.com/mingo-build/mingo/platform"
)

// AnnotationRecipe is recipe.Annotation, for the callers outside
// internal/ that name it here.
const AnnotationRecipe = recipe.Annotation

// makeRecipe records t's settings as they were used; a registry base is
// pinned to the digest it resolved to.
func (sh *shared) makeRecipe(t *Target, goVersion string) *recipe.Recipe {
	r := &recipe.Recipe{
		Package:   t.Package.ImportPath,
		Version:   t.Package.Version,
		GoVersion: goVersion,
		LDFlags:   recipe.LDFlagsDigest(t.LDFlags),
		BuildTags: t.BuildTags,
		Caps:      t.Capabilities,
		Base:      t.Base,
		CACerts:   t.Generated.CACerts,
		TZData:    t.Generated.TZData,
		Passwd:    t.Generated.Passwd,
		User:      sh.config.User,
		Env:       t.Config.Env,
		Labels:    t.Config.Labels,
		Annots:    t.Config.Annotations,
		WorkDir:   t.Config.WorkDir,
		Args:      t.Config.Args,

		Expose:     sh.config.Expose,
		Volumes:    sh.config.Volumes,
		StopSignal: sh.config.StopSignal,
	}
	r.Delve = t.Delve
	if t.Compression == layers.Zstd {
		r.Compression = string(layers.Zstd)
	}
	if r.Base == "" {
		r.Base = BaseScratch
	}
	if sh.base.ref != nil {
		r.Base = sh.base.ref.Context().Digest(sh.base.digest.String()).String()
	}
	if t.Generated.CABundle != nil {
		r.CABundle = fmt.Sprintf("sha256:%x", sha256.Sum256(t.Generated.CABundle))
	}
	for _, w := range t.With {
		r.With = append(r.With, w.ImportPath)
	}
	for _, a := range t.Adds {
		r.Adds = append(r.Adds, a.ImagePath)
	}
	for _, p := range sh.platforms {
		r.Platforms = append(r.Platforms, p.String())
	}
	if !t.Created.IsZero() {
		c := t.Created.Unix()
		r.Created = &c
	}
	if t.Created.IsZero() && sh.created.Unix() != 0 {
		c := sh.created.Unix()
		r.ConfigCreated = &c
	}
	if !sh.koData.IsZero() {
		k := sh.koData.Unix()
		r.KoData = &k
	}
	return r
}

// SettingsFromRecipe returns the build settings r records. Added files, a
// CA bundle and the ldflags are not in it: the caller supplies them again.
func SettingsFromRecipe(r *recipe.Recipe) (Settings, error) {
	var plats []platform.Platform
	for _, s := range r.Platforms {
		p, err := platform.Parse(s)
		if err != nil {
			return Settings{}, err
		}
		plats = append(plats, p)
	}
	s := Settings{
		Platforms:    plats,
		BuildTags:    r.BuildTags,
		Capabilities: r.Caps,
		Base:         r.Base,
		Generated:    Generated{CACerts: r.CACerts, TZData: r.TZData, Passwd: r.Passwd},
		Config: ImageConfig{
			Env: r.Env, Labels: r.Labels, Annotations: r.Annots, WorkDir: r.WorkDir, Args: r.Args, User: r.User,
			Expose: r.Expose, Volumes: r.Volumes, StopSignal: r.StopSignal,
		},
		Compression: layers.Compression(r.Compression),
		Delve:       r.Delve,
	}
	if r.Created != nil {
		s.Created = time.Unix(*r.Created, 0).UTC()
	}
	if r.KoData != nil {
		s.DataCreated = time.Unix(*r.KoData, 0).UTC()
	}
	if r.Created == nil {
		// Not the commit time of the checkout here: the image's, which
		// is the epoch when the recipe names none.
		s.ConfigCreated = time.Unix(recipe.Or0(r.ConfigCreated), 0).UTC()
	}
	return s, nil
}
