package builder

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"time"

	"github.com/mingo-build/mingo/platform"
)

// AnnotationRecipe holds, on the top manifest (the index, or the image when
// one platform was built), the inputs a rebuild needs that the image does
// not otherwise record, so that `mingo verify` can rebuild it.
const AnnotationRecipe = "dev.mingo.recipe"

// Recipe is the rebuild recipe of an image. It holds no host paths: added
// files are named by where they went in the image, and a --ca-bundle by its
// digest; verify asks for those inputs again.
type Recipe struct {
	Package   string            `json:"package"`
	GoVersion string            `json:"go"`
	Platforms []string          `json:"platforms"`
	LDFlags   string            `json:"ldflags,omitempty"`
	Tags      []string          `json:"tags,omitempty"`
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
	// Created is SOURCE_DATE_EPOCH, 0 when it was unset.
	Created int64 `json:"created,omitempty"`
}

// recipe records opts as they were used for pkg; a registry base is pinned
// to the digest it resolved to.
func (sh *shared) makeRecipe(ctx context.Context, opts *Options, pkg *Package) (string, error) {
	r := Recipe{
		Package:   pkg.ImportPath,
		GoVersion: GoVersion(ctx),
		LDFlags:   opts.LDFlags,
		Tags:      opts.Tags,
		Base:      opts.Base,
		CACerts:   opts.Generated.CACerts,
		TZData:    opts.Generated.TZData,
		Passwd:    opts.Generated.Passwd,
		User:      sh.config.User,
		Env:       opts.Config.Env,
		Labels:    opts.Config.Labels,
		Annots:    opts.Config.Annotations,
		WorkDir:   opts.Config.WorkDir,
		Args:      opts.Config.Args,
	}
	if r.Base == "" {
		r.Base = BaseScratch
	}
	if sh.base.ref != nil {
		r.Base = sh.base.ref.Context().Digest(sh.base.digest.String()).String()
	}
	if opts.Generated.CABundle != nil {
		r.CABundle = fmt.Sprintf("sha256:%x", sha256.Sum256(opts.Generated.CABundle))
	}
	for _, a := range opts.Adds {
		r.Adds = append(r.Adds, a.ImagePath)
	}
	for _, p := range sh.platforms {
		r.Platforms = append(r.Platforms, p.String())
	}
	if !opts.Created.IsZero() {
		r.Created = opts.Created.Unix()
	}
	b, err := json.Marshal(r)
	return string(b), err
}

// GoVersion is the Go that builds the binaries: the go command's, which
// is what `go build` runs, not necessarily the one that built mingo.
func GoVersion(ctx context.Context) string {
	out, err := exec.CommandContext(ctx, "go", "env", "GOVERSION").Output()
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(out))
}

// ParseRecipe reads a recipe annotation.
func ParseRecipe(s string) (*Recipe, error) {
	var r Recipe
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		return nil, fmt.Errorf("reading the %s annotation: %v", AnnotationRecipe, err)
	}
	return &r, nil
}

// Options returns the build options the recipe records. Adds and a
// --ca-bundle are not in it: the caller supplies them again.
func (r *Recipe) Options() (Options, error) {
	var plats []platform.Platform
	for _, s := range r.Platforms {
		p, err := platform.Parse(s)
		if err != nil {
			return Options{}, err
		}
		plats = append(plats, p)
	}
	o := Options{
		Package:   r.Package,
		Platforms: plats,
		LDFlags:   r.LDFlags,
		Tags:      r.Tags,
		Base:      r.Base,
		Generated: Generated{CACerts: r.CACerts, TZData: r.TZData, Passwd: r.Passwd},
		Config: ImageConfig{
			Env: r.Env, Labels: r.Labels, Annotations: r.Annots, WorkDir: r.WorkDir, Args: r.Args, User: r.User,
		},
	}
	if r.Created != 0 {
		o.Created = time.Unix(r.Created, 0).UTC()
	}
	return o, nil
}
