package build

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"time"

	"github.com/mingo-build/mingo/internal/gotool"
	"github.com/mingo-build/mingo/internal/layers"
	"github.com/mingo-build/mingo/platform"
)

// AnnotationRecipe holds, on the top manifest (the index, or the image when
// one platform was built), the inputs a rebuild needs that the image does
// not otherwise record, so that `mingo verify` can rebuild it.
const AnnotationRecipe = "dev.mingo.recipe"

// Recipe is the rebuild recipe of an image. It holds no host paths and no
// value that may be secret: added files are named by where they went in
// the image, a CA bundle and the ldflags (which may hold a token set with
// -X) by their digests; a rebuild asks for those inputs again. Everything
// else that changes a digest is in it, or is the source tree and the Go
// release the rebuild uses.
type Recipe struct {
	Package   string   `json:"package"`
	GoVersion string   `json:"go"`
	Platforms []string `json:"platforms"`
	// LDFlags is the digest of the extra linker flags (see LDFlagsDigest),
	// "" when there were none.
	LDFlags   string            `json:"ldflags,omitempty"`
	BuildTags []string          `json:"tags,omitempty"`
	Base      string            `json:"base"`
	CACerts   bool              `json:"caCerts,omitempty"`
	CABundle  string            `json:"caBundle,omitempty"`
	TZData    bool              `json:"tzdata,omitempty"`
	Passwd    bool              `json:"passwd,omitempty"`
	Adds      []string          `json:"adds,omitempty"`
	User      string            `json:"user,omitempty"`
	Env       []string          `json:"env,omitempty"`
	Labels    map[string]string `json:"labels,omitempty"`
	Annots    map[string]string `json:"annotations,omitempty"`
	WorkDir   string            `json:"workdir,omitempty"`
	Args      []string          `json:"args,omitempty"`
	// Compression is "zstd" or empty (gzip), so older recipes still read.
	Compression string   `json:"compression,omitempty"`
	Expose      []string `json:"expose,omitempty"`
	Volumes     []string `json:"volumes,omitempty"`
	StopSignal  string   `json:"stopSignal,omitempty"`
	// Created is SOURCE_DATE_EPOCH, nil when it was unset; 0 is a time
	// like any other (it gives the image a created annotation).
	Created *int64 `json:"created,omitempty"`
}

// LDFlagsDigest is what a recipe records of ldflags: "sha256:HEX" of the
// flags as given, or "" for none.
func LDFlagsDigest(ldflags string) string {
	if ldflags == "" {
		return ""
	}
	return fmt.Sprintf("sha256:%x", sha256.Sum256([]byte(ldflags)))
}

// makeRecipe records t's settings as they were used; a registry base is
// pinned to the digest it resolved to.
func (sh *shared) makeRecipe(t *Target, goVersion string) *Recipe {
	r := &Recipe{
		Package:   t.Package.ImportPath,
		GoVersion: goVersion,
		LDFlags:   LDFlagsDigest(t.LDFlags),
		BuildTags: t.BuildTags,
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
	return r
}

// GoVersion is the Go that builds the binaries: the go command's, which
// is what `go build` runs, not necessarily the one that built mingo.
func GoVersion(ctx context.Context) string {
	v, err := gotool.Var(ctx, "", "GOVERSION")
	if err != nil {
		return "unknown"
	}
	return v
}

// ParseRecipe reads a recipe annotation.
func ParseRecipe(s string) (*Recipe, error) {
	var r Recipe
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		return nil, fmt.Errorf("reading the %s annotation: %w", AnnotationRecipe, err)
	}
	return &r, nil
}

// Settings returns the build settings the recipe records. Added files, a CA
// bundle and the ldflags are not in it: the caller supplies them again.
func (r *Recipe) Settings() (Settings, error) {
	var plats []platform.Platform
	for _, s := range r.Platforms {
		p, err := platform.Parse(s)
		if err != nil {
			return Settings{}, err
		}
		plats = append(plats, p)
	}
	s := Settings{
		Platforms: plats,
		BuildTags: r.BuildTags,
		Base:      r.Base,
		Generated: Generated{CACerts: r.CACerts, TZData: r.TZData, Passwd: r.Passwd},
		Config: ImageConfig{
			Env: r.Env, Labels: r.Labels, Annotations: r.Annots, WorkDir: r.WorkDir, Args: r.Args, User: r.User,
			Expose: r.Expose, Volumes: r.Volumes, StopSignal: r.StopSignal,
		},
		Compression: layers.Compression(r.Compression),
	}
	if r.Created != nil {
		s.Created = time.Unix(*r.Created, 0).UTC()
	}
	return s, nil
}
