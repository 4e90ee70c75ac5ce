package builder

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"strconv"
	"sync"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/mingo-build/mingo/layers"
	"github.com/mingo-build/mingo/platform"
)

// session is one Build call: it asks the go command and git each question
// once, however many targets need the answer, so that thirty packages cost
// what one does.
type session struct {
	*Builder
	mu        sync.Mutex
	goVersion string
	annots    map[string]map[string]string // module dir -> source, revision
	zoneinfo  string
	generated map[string][]layerSpec // generated-layer settings -> layers
}

// goVer returns the go command's version, asked once.
func (s *session) goVer(ctx context.Context) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.goVersion == "" {
		s.goVersion = GoVersion(ctx)
	}
	return s.goVersion
}

// vcsAnnotations returns source and revision for the module in dir, asked
// of git once per module.
func (s *session) vcsAnnotations(ctx context.Context, dir string) map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.annots == nil {
		s.annots = map[string]map[string]string{}
	}
	a, ok := s.annots[dir]
	if !ok {
		a = vcsAnnotations(ctx, dir)
		s.annots[dir] = a
	}
	return maps.Clone(a)
}

// shared is what every platform's image of one target has in common,
// worked out once before the per-platform builds start.
type shared struct {
	base      *baseImage
	platforms []platform.Platform
	layers    []layerSpec // generated and added layers, before the binary
	env       []string
	config    ImageConfig
	created   time.Time
	// annots are the standard and the user's annotations.
	annots map[string]string
	recipe *Recipe
	// recipeJSON is the AnnotationRecipe value of the top manifest.
	recipeJSON string
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

// prepare resolves the base and the platforms, and builds the layers that
// do not depend on the platform.
func (s *session) prepare(ctx context.Context, t *Target) (*shared, error) {
	base, err := resolveBase(ctx, t.Base, s.Remote)
	if err != nil {
		return nil, err
	}
	sh := &shared{base: base, platforms: t.Platforms, config: t.Config, created: t.Created}
	if sh.created.IsZero() {
		sh.created = time.Unix(0, 0)
	}
	sh.created = sh.created.UTC()
	if sh.platforms == nil {
		if sh.platforms, err = allPlatforms(base); err != nil {
			return nil, err
		}
	}
	if err := s.buildLayers(ctx, t, sh); err != nil {
		return nil, err
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
	dir := t.Package.ModuleDir
	if dir == "" {
		dir = t.Package.Dir
	}
	sh.annots = s.vcsAnnotations(ctx, dir)
	if !t.Created.IsZero() {
		sh.annots[AnnotationCreated] = t.Created.UTC().Format(time.RFC3339)
	}
	maps.Copy(sh.annots, t.Config.Annotations)
	sh.recipe = sh.makeRecipe(t, s.goVer(ctx))
	b, err := json.Marshal(sh.recipe)
	if err != nil {
		return nil, fmt.Errorf("recording the recipe: %w", err)
	}
	sh.recipeJSON = string(b)
	return sh, nil
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

// buildLayers builds the generated layers and the added-files layer,
// ordered from the least to the most often changing, so that images share
// them.
func (s *session) buildLayers(ctx context.Context, t *Target, sh *shared) error {
	gen, err := s.generatedLayers(ctx, t.Generated)
	if err != nil {
		return err
	}
	sh.layers = gen
	if t.Generated.CACerts {
		sh.env = append(sh.env, "SSL_CERT_FILE="+layers.CABundlePath)
	}
	if len(t.Adds) == 0 {
		return nil
	}
	var entries []layers.Entry
	for _, a := range t.Adds {
		es, err := layers.AddEntries(a.Local, a.ImagePath)
		if err != nil {
			return err
		}
		entries = append(entries, es...)
	}
	l, err := layers.Build(s.Cache, entries, layers.Options{ModTime: t.Created})
	if err != nil {
		return fmt.Errorf("building the added files layer: %w", err)
	}
	sh.layers = append(sh.layers, layerSpec{l, "files", "mingo: added files"})
	return nil
}

// generatedLayers returns the layers gen asks for, built once per session.
// They always carry the epoch as mtime, whatever SOURCE_DATE_EPOCH says:
// their content is pinned, and a per-commit time would give every build
// new digests for identical files.
func (s *session) generatedLayers(ctx context.Context, gen Generated) ([]layerSpec, error) {
	key := fmt.Sprintf("%t %t %t %x", gen.Passwd, gen.TZData, gen.CACerts, gen.CABundle)
	s.mu.Lock()
	defer s.mu.Unlock()
	if ls, ok := s.generated[key]; ok {
		return ls, nil
	}
	var out []layerSpec
	add := func(short, what string, entries []layers.Entry) error {
		l, err := layers.Build(s.Cache, entries, layers.Options{})
		if err != nil {
			return fmt.Errorf("building the %s layer: %w", what, err)
		}
		out = append(out, layerSpec{l, short, "mingo: " + what})
		return nil
	}
	if gen.Passwd {
		if err := add("identity", "identity files (/etc/passwd, /etc/group, /etc/nsswitch.conf, /home/nonroot, /tmp)", layers.IdentityEntries()); err != nil {
			return nil, err
		}
	}
	if gen.TZData {
		if s.zoneinfo == "" {
			zip, err := layers.ZoneinfoZip(ctx)
			if err != nil {
				return nil, err
			}
			s.zoneinfo = zip
		}
		entries, err := layers.TZDataEntries(s.zoneinfo)
		if err != nil {
			return nil, err
		}
		if err := add("tzdata", "tzdata (Go's lib/time/zoneinfo.zip)", entries); err != nil {
			return nil, err
		}
	}
	if gen.CACerts {
		pem, what := gen.CABundle, "CA bundle (--ca-bundle)"
		if pem == nil {
			pem, what = layers.MozillaRoots(), "CA bundle (Mozilla roots, golang.org/x/crypto/x509roots/fallback)"
		}
		if err := add("ca-certs", what, layers.CACertEntries(pem)); err != nil {
			return nil, err
		}
	}
	if s.generated == nil {
		s.generated = map[string][]layerSpec{}
	}
	s.generated[key] = out
	return out, nil
}
