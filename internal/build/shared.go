package build

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"strconv"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/mingo-build/mingo/internal/layers"
	"github.com/mingo-build/mingo/internal/recipe"
	"github.com/mingo-build/mingo/platform"
)

// shared is what every platform's image of one target has in common,
// worked out once before the per-platform builds start.
type shared struct {
	base      *baseImage
	platforms []platform.Platform
	layers    []layerSpec // generated and added layers, before the binary
	env       []string
	// koData is the time of the kodata layer's files; zero when the
	// image has no kodata layer.
	koData time.Time
	// koEntries are the files of the kodata directory, found by prepare.
	koEntries []layers.Entry
	config    ImageConfig
	created   time.Time
	// annots are the standard and the user's annotations.
	annots map[string]string
	recipe *recipe.Recipe
	// recipeJSON is the AnnotationRecipe value of the top manifest;
	// recipeLabel the label of that name on each platform's config: the
	// recipe without the platforms (the label holds for each of them), so
	// that an engine, which keeps no manifest, keeps it.
	recipeJSON, recipeLabel string
	// ready is closed when finish has filled in the fields above (from
	// layers on) or failed with err.
	ready chan struct{}
	err   error
}

// annotations returns the annotations of an image or index built on the
// base manifest baseDigest.
func (sh *shared) annotations(baseDigest v1.Hash) map[string]string {
	out := sh.base.annotations(baseDigest)
	if out == nil {
		out = map[string]string{}
	}
	maps.Copy(out, sh.annots)
	return out
}

// topAnnotations adds the rebuild recipe, for the manifest that tags point
// at: the index, or the image when there is one platform.
func (sh *shared) topAnnotations(baseDigest v1.Hash) map[string]string {
	out := sh.annotations(baseDigest)
	out[AnnotationRecipe] = sh.recipeJSON
	return out
}

func isRemote(base string) bool {
	return base != "" && base != BaseScratch && base != BaseDistroless
}

// prepare resolves the base and the platforms and checks the user: what
// must be known, and valid, before anything is compiled.
func (s *session) prepare(ctx context.Context, t *Target) (*shared, error) {
	base, err := s.base(ctx, t.Base)
	if err != nil {
		return nil, err
	}
	if _, err := layers.ParseCompression(string(t.Compression)); err != nil {
		return nil, err
	}
	cfg, err := checkRuntime(t.Config)
	if err != nil {
		return nil, err
	}
	sh := &shared{base: base, platforms: t.Platforms, config: cfg, ready: make(chan struct{})}
	if sh.koEntries, err = koDataEntries(t.Package); err != nil {
		return nil, err
	}
	if sh.platforms == nil {
		if sh.platforms, err = allPlatforms(base); err != nil {
			return nil, err
		}
	}
	if t.Delve {
		if err := CheckDelve(sh.platforms); err != nil {
			return nil, err
		}
	}
	if t.Config.User != "" && !isRemote(t.Base) {
		// mingo wrote (or left out) /etc/passwd, so it knows the names;
		// the config gets numbers, which need no lookup at run time.
		uid, gid, err := layers.ResolveUser(t.Config.User)
		if err != nil {
			return nil, err
		}
		sh.config.User = strconv.Itoa(uid) + ":" + strconv.Itoa(gid)
	}
	return sh, nil
}

// finish builds the layers that do not depend on the platform and the
// annotations and recipe, while the binaries compile; it closes sh.ready.
func (s *session) finish(ctx context.Context, t *Target, sh *shared) (err error) {
	defer func() {
		sh.err = err
		close(sh.ready)
	}()
	// Here, not in prepare: git's answers (the commit time, the
	// annotations) are needed by the images only, not by go build.
	sh.created = s.imageTime(ctx, t)
	if err := s.buildLayers(ctx, t, sh); err != nil {
		return err
	}
	sh.annots = s.checkout(ctx, t).annots
	if !t.Created.IsZero() || sh.created.Unix() != 0 {
		sh.annots[AnnotationCreated] = sh.created.Format(time.RFC3339)
	}
	maps.Copy(sh.annots, t.Config.Annotations)
	sh.recipe = sh.makeRecipe(t, s.goVer(ctx))
	b, err := json.Marshal(sh.recipe)
	if err != nil {
		return fmt.Errorf("recording the recipe: %w", err)
	}
	sh.recipeJSON = string(b)
	label := *sh.recipe
	label.Platforms = nil
	if b, err = json.Marshal(label); err != nil {
		return fmt.Errorf("recording the recipe: %w", err)
	}
	sh.recipeLabel = string(b)
	return nil
}

// checkout is what git says of the checkout of t's module; nothing for a
// dependency, whose source is in the module cache, not a checkout of its
// own: git there would only find whatever repository holds the cache.
func (s *session) checkout(ctx context.Context, t *Target) vcsInfo {
	if t.Package.Dependency {
		return vcsInfo{annots: map[string]string{}}
	}
	return s.vcs(ctx, cmp.Or(t.Package.ModuleDir, t.Package.Dir))
}

// imageTime is the config's created time: Created, else ConfigCreated,
// else the commit time of the module's checkout, else the Unix epoch.
func (s *session) imageTime(ctx context.Context, t *Target) time.Time {
	c := cmp.Or(t.Created, t.ConfigCreated)
	if c.IsZero() {
		c = s.checkout(ctx, t).commit
	}
	if c.IsZero() {
		c = time.Unix(0, 0)
	}
	return c.UTC()
}

// wait returns when finish is done, with its error, or when ctx ends.
func (sh *shared) wait(ctx context.Context) error {
	select {
	case <-sh.ready:
		return sh.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func allPlatforms(base *baseImage) ([]platform.Platform, error) {
	if base.ref == nil {
		return platform.CommonLinux(), nil
	}
	ps, err := base.platforms()
	if err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		return nil, fmt.Errorf("base image %s offers no Linux platform that Go can target", base.ref)
	}
	return ps, nil
}
