package build

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"sync"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/mingo-build/mingo/buildcache"
	"github.com/mingo-build/mingo/internal/gotool"
	"github.com/mingo-build/mingo/internal/layers"
	"github.com/mingo-build/mingo/internal/recipe"
	"github.com/mingo-build/mingo/platform"
	"github.com/mingo-build/mingo/sbom"
)

// session is one Build call: it asks the go command, git and the registry
// each question once, however many targets need the answer, so that thirty
// packages cost what one does. Different questions are asked concurrently.
type session struct {
	*Builder
	goVersion memo[string]
	zoneinfo  memo[string]
	goroot    string // from the go env the build checked; "" if unknown
	mu        sync.Mutex
	bases     map[string]*memo[*baseImage]
	annots    map[string]*memo[map[string]string] // module dir -> source, revision
	generated map[string]*memo[[]layerSpec]       // generated-layer settings -> layers
	cache     *buildcache.Client                  // nil without Builder.CacheRepo
}

// memo is a value computed at most once, by the first caller that needs
// it; the others wait for it.
type memo[T any] struct {
	once sync.Once
	v    T
	err  error
}

func (m *memo[T]) get(f func() (T, error)) (T, error) {
	m.once.Do(func() { m.v, m.err = f() })
	return m.v, m.err
}

// entry returns the memo of key in *mp, adding it (and the map) if new.
func entry[T any](mu *sync.Mutex, mp *map[string]*memo[T], key string) *memo[T] {
	mu.Lock()
	defer mu.Unlock()
	if *mp == nil {
		*mp = map[string]*memo[T]{}
	}
	m, ok := (*mp)[key]
	if !ok {
		m = &memo[T]{}
		(*mp)[key] = m
	}
	return m
}

// goVer returns the version of the go command that builds the binaries,
// asked once: what `go build` runs, not necessarily the Go that built
// mingo; "unknown" when the go command does not say.
func (s *session) goVer(ctx context.Context) string {
	v, _ := s.goVersion.get(func() (string, error) {
		v, err := gotool.Var(ctx, "", "GOVERSION")
		if err != nil {
			return "unknown", nil
		}
		return v, nil
	})
	return v
}

// base returns the base image named base, fetched once per session so
// that every target on it uses one digest.
func (s *session) base(ctx context.Context, base string) (*baseImage, error) {
	return entry(&s.mu, &s.bases, base).get(func() (*baseImage, error) {
		return resolveBase(ctx, base, s.Remote)
	})
}

// vcsAnnotations returns source and revision for the module in dir, asked
// of git once per module.
func (s *session) vcsAnnotations(ctx context.Context, dir string) map[string]string {
	a, _ := entry(&s.mu, &s.annots, dir).get(func() (map[string]string, error) {
		return vcsAnnotations(ctx, dir), nil
	})
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
	recipe *recipe.Recipe
	// recipeJSON is the AnnotationRecipe value of the top manifest.
	recipeJSON string
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
	sh := &shared{base: base, platforms: t.Platforms, config: cfg, created: t.Created, ready: make(chan struct{})}
	if sh.created.IsZero() {
		sh.created = time.Unix(0, 0)
	}
	sh.created = sh.created.UTC()
	if sh.platforms == nil {
		if sh.platforms, err = allPlatforms(base); err != nil {
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
	if err := s.buildLayers(ctx, t, sh); err != nil {
		return err
	}
	dir := t.Package.ModuleDir
	if dir == "" {
		dir = t.Package.Dir
	}
	sh.annots = map[string]string{}
	if !t.Package.Dependency {
		// A dependency's source is in the module cache, not a checkout
		// of its own: git there would only find whatever repository
		// holds the cache.
		sh.annots = s.vcsAnnotations(ctx, dir)
	}
	if !t.Created.IsZero() {
		sh.annots[AnnotationCreated] = t.Created.UTC().Format(time.RFC3339)
	}
	maps.Copy(sh.annots, t.Config.Annotations)
	sh.recipe = sh.makeRecipe(t, s.goVer(ctx))
	b, err := json.Marshal(sh.recipe)
	if err != nil {
		return fmt.Errorf("recording the recipe: %w", err)
	}
	sh.recipeJSON = string(b)
	return nil
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

// buildLayers builds the generated layers and the added-files layer,
// ordered from the least to the most often changing, so that images share
// them.
func (s *session) buildLayers(ctx context.Context, t *Target, sh *shared) error {
	gen, err := s.generatedLayers(ctx, t.Generated, t.Compression)
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
	l, err := layers.BuildContext(ctx, s.Cache, entries, layers.Options{ModTime: t.Created, Compression: t.Compression})
	if err != nil {
		return fmt.Errorf("building the added files layer: %w", err)
	}
	var paths []string
	for _, a := range t.Adds {
		paths = append(paths, a.ImagePath)
	}
	c := &sbom.Component{Name: "added-files", Version: "user-supplied",
		Source: "local files added to the image at " + strings.Join(paths, ", ")}
	sh.layers = append(sh.layers, layerSpec{l, "files", "mingo: added files", withDiffID(c, l)})
	return nil
}

// generatedLayers returns the layers gen asks for, built once per session.
// They always carry the epoch as mtime, whatever SOURCE_DATE_EPOCH says:
// their content is pinned, and a per-commit time would give every build
// new digests for identical files.
func (s *session) generatedLayers(ctx context.Context, gen Generated, comp layers.Compression) ([]layerSpec, error) {
	key := fmt.Sprintf("%t %t %t %x %s", gen.Passwd, gen.TZData, gen.CACerts, gen.CABundle, comp)
	return entry(&s.mu, &s.generated, key).get(func() ([]layerSpec, error) {
		return s.buildGenerated(ctx, gen, comp)
	})
}

func (s *session) buildGenerated(ctx context.Context, gen Generated, comp layers.Compression) ([]layerSpec, error) {
	var out []layerSpec
	add := func(short, what string, entries []layers.Entry, c *sbom.Component) error {
		l, err := layers.Build(s.Cache, entries, layers.Options{Compression: comp})
		if err != nil {
			return fmt.Errorf("building the %s layer: %w", what, err)
		}
		out = append(out, layerSpec{l, short, "mingo: " + what, withDiffID(c, l)})
		return nil
	}
	if gen.Passwd {
		c := &sbom.Component{Name: "identity-files", Version: layers.IdentityVersion,
			Source:  "generated by mingo: root, nobody and nonroot (65532) users and groups",
			Comment: "/etc/passwd, /etc/group, /etc/nsswitch.conf, /root, /home/nonroot, /tmp"}
		if err := add("identity", "identity files (/etc/passwd, /etc/group, /etc/nsswitch.conf, /home/nonroot, /tmp)", layers.IdentityEntries(), c); err != nil {
			return nil, err
		}
	}
	if gen.TZData {
		zip, err := s.zoneinfo.get(func() (string, error) {
			if s.goroot != "" {
				return layers.ZoneinfoIn(s.goroot)
			}
			return layers.ZoneinfoZip(ctx)
		})
		if err != nil {
			return nil, err
		}
		entries, err := layers.TZDataEntries(zip)
		if err != nil {
			return nil, err
		}
		if err := add("tzdata", "tzdata (Go's lib/time/zoneinfo.zip)", entries, tzComponent(s.goVer(ctx), zip)); err != nil {
			return nil, err
		}
	}
	if gen.CACerts {
		pem, what := gen.CABundle, "CA bundle (user-supplied)"
		if pem == nil {
			pem, what = layers.MozillaRoots(), "CA bundle (Mozilla roots, golang.org/x/crypto/x509roots/fallback)"
		}
		if err := add("ca-certs", what, layers.CACertEntries(pem), caComponent(gen.CABundle)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// tzComponent describes the time-zone layer: the Go release whose
// lib/time/zoneinfo.zip it unpacks, and the IANA release Go records.
func tzComponent(goVersion, zip string) *sbom.Component {
	c := &sbom.Component{Name: "tzdata", Version: goVersion,
		Source:  "lib/time/zoneinfo.zip of Go " + goVersion,
		Comment: "/usr/share/zoneinfo"}
	if rel := layers.TZDataRelease(zip); rel != "" {
		c.Version = rel
		c.Source += ", IANA tzdata release " + rel
	}
	return c
}

// caComponent describes the CA layer: the Mozilla roots of the fallback
// module at the version mingo was built with, or the user's bundle by its
// digest.
func caComponent(userBundle []byte) *sbom.Component {
	if userBundle != nil {
		return &sbom.Component{Name: "ca-certificates", Version: "user-supplied",
			Source:  fmt.Sprintf("user-supplied CA bundle, sha256:%x", sha256.Sum256(userBundle)),
			Comment: layers.CABundlePath}
	}
	v := cmp.Or(layers.MozillaRootsVersion(), "unknown")
	return &sbom.Component{Name: "ca-certificates", Version: v,
		Source:  "Mozilla roots from Go module " + layers.FallbackModule + "@" + v,
		PURL:    "pkg:golang/" + layers.FallbackModule + "@" + v,
		Comment: layers.CABundlePath}
}

// withDiffID sets c's checksum to the layer's content digest and returns c.
func withDiffID(c *sbom.Component, l v1.Layer) *sbom.Component {
	if id, err := l.DiffID(); err == nil {
		c.SHA256 = id.Hex
	}
	return c
}
