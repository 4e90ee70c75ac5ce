package mingo

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/mingo-build/mingo/buildcache"
	"github.com/mingo-build/mingo/internal/build"
	"github.com/mingo-build/mingo/internal/layers"
	"github.com/mingo-build/mingo/publish"
	"github.com/mingo-build/mingo/sbom"
)

// Spec describes images to build: the main packages Packages name, each
// built with Settings and named by Repo and Tags.
type Spec struct {
	// Packages are directories (./cmd/api; default "."), import paths in
	// the main module or its dependencies, or patterns with "..." that name
	// every main package under them. Each package is its own image; they
	// are built in import path order.
	Packages []string
	// Repo, when set, names each image Repo/<binary name>; Tags are then
	// bare tags (v1.2.0), "latest" when there are none.
	Repo string
	// Tags are full registry/repository[:tag] references when Repo is
	// empty; they name one image, so Packages must name one package.
	Tags []string
	// Insecure allows plain HTTP for the registries of Tags.
	Insecure bool
	build.Settings
}

// Image is a built image or index, with its names, platform images, SBOMs
// and recipe.
type Image = build.Result

// LocalRegistry names images that have no tags in local outputs:
// mingo.local/<binary>:latest.
const LocalRegistry = "mingo.local"

// Option configures Build.
type Option func(*options)

type options struct {
	build     build.Builder
	sbom      bool
	version   string
	skipped   func(pkg, why string)
	cacheRepo string
	cacheOpts []remote.Option
}

// WithDir resolves packages and runs `go build` in dir (default: the
// current directory).
func WithDir(dir string) Option { return func(o *options) { o.build.Dir = dir } }

// WithCache keeps layers and binaries in c between builds (default: the
// directory layers.DefaultCacheDir names).
func WithCache(c *layers.Cache) Option { return func(o *options) { o.build.Cache = c } }

// WithJobs bounds concurrent `go build` processes (default: the number of
// CPUs).
func WithJobs(n int) Option { return func(o *options) { o.build.Jobs = n } }

// WithRemote sets the go-containerregistry options for pulling a registry
// base (credentials, transport).
func WithRemote(opts ...remote.Option) Option {
	return func(o *options) { o.build.Remote = opts }
}

// WithSBOM describes every platform image's binary in an SPDX 2.3 document,
// which Publish attaches (and signs, with a signer).
func WithSBOM() Option { return func(o *options) { o.sbom = true } }

// WithToolVersion sets the version recorded as the SBOMs' creator (default:
// mingo's module version from the build info).
func WithToolVersion(v string) Option { return func(o *options) { o.version = v } }

// WithProgress receives each platform's build steps.
func WithProgress(f func(build.Event)) Option {
	return func(o *options) { o.build.Progress = f }
}

// WithWarnings receives problems a build recovered from, such as a
// damaged cache entry it dropped and rebuilt.
func WithWarnings(f func(format string, args ...any)) Option {
	return func(o *options) { o.build.Warn = f }
}

// WithVerbose receives details: go build command lines, compiler output.
func WithVerbose(f func(format string, args ...any)) Option {
	return func(o *options) { o.build.Verbose = f }
}

// WithCacheRepo shares compiled binaries between machines through the
// registry repository ref (REGISTRY/REPOSITORY), reached with opts
// (credentials, transport): before compiling a package for a platform, the
// build looks its compile key up there and, on a hit, takes the binary layer
// instead of running go build; on a miss it records the layer it built. See
// package buildcache for what the key holds. An unreachable or denying
// repository is a warning (see WithWarnings), never a failed build.
func WithCacheRepo(ref string, opts ...remote.Option) Option {
	return func(o *options) { o.cacheRepo, o.cacheOpts = ref, opts }
}

// WithSkipped receives packages a "..." pattern matched that cannot build
// (for example build constraints exclude all their files).
func WithSkipped(f func(pkg, why string)) Option { return func(o *options) { o.skipped = f } }

// Build builds the images specs describe, one per main package, in the
// order of specs and, within a spec, of import paths: Resolve, then
// BuildTargets.
func Build(ctx context.Context, specs []Spec, opts ...Option) ([]*Image, error) {
	targets, err := Resolve(ctx, specs, opts...)
	if err != nil {
		return nil, err
	}
	return BuildTargets(ctx, targets, opts...)
}

// Resolve lists the main packages of every spec, with one package load per
// set of build tags, and names their images, without compiling anything:
// what a caller needs to know before a build, such as the registries it
// will push to. Two packages may not share a name.
func Resolve(ctx context.Context, specs []Spec, opts ...Option) ([]build.Target, error) {
	o := newOptions(opts)
	targets, err := resolve(ctx, &o, specs)
	if err != nil {
		return nil, err
	}
	if err := distinctNames(targets); err != nil {
		return nil, err
	}
	return targets, nil
}

// BuildTargets builds resolved targets: one `go build` per platform for
// all packages with the same build settings, at most WithJobs at once.
func BuildTargets(ctx context.Context, targets []build.Target, opts ...Option) ([]*Image, error) {
	o := newOptions(opts)
	if o.build.Cache == nil {
		c, err := DefaultCache()
		if err != nil {
			return nil, err
		}
		o.build.Cache = c
	}
	if o.build.Cache.Warn == nil {
		o.build.Cache.Warn = o.build.Warn
	}
	if o.sbom {
		o.build.SBOM = sbomFunc(o.version)
	}
	if o.cacheRepo != "" {
		repo, err := buildcache.Open(o.cacheRepo, o.cacheOpts...)
		if err != nil {
			return nil, err
		}
		o.build.CacheRepo = repo
	}
	images, err := o.build.Build(ctx, targets)
	if err != nil || !o.sbom {
		return images, err
	}
	if err := indexSBOMs(images, o.version); err != nil {
		return nil, err
	}
	return images, nil
}

func newOptions(opts []Option) options {
	o := options{version: Version()}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// DefaultCache opens the cache in $MINGO_CACHE, or mingo's directory in the
// user's cache directory, and trims it, at most once a day, of what no
// build used for $MINGO_CACHE_MAX_AGE (default five days).
func DefaultCache() (*layers.Cache, error) {
	dir, err := layers.DefaultCacheDir()
	if err != nil {
		return nil, err
	}
	maxAge, err := layers.DefaultCacheMaxAge()
	if err != nil {
		return nil, fmt.Errorf("MINGO_CACHE_MAX_AGE: %w", err)
	}
	c, err := layers.OpenCache(dir)
	if err != nil {
		return nil, err
	}
	if maxAge > 0 {
		// A failed trim costs disk space, not the build.
		_, _ = c.TrimIfDue(time.Now(), maxAge)
	}
	return c, nil
}

// resolve lists every spec's packages, with one package load per set of
// build tags, and names their images.
func resolve(ctx context.Context, o *options, specs []Spec) ([]build.Target, error) {
	byTags := map[string][]int{}
	var order []string
	for i, s := range specs {
		k := strings.Join(s.BuildTags, ",")
		if _, ok := byTags[k]; !ok {
			order = append(order, k)
		}
		byTags[k] = append(byTags[k], i)
	}
	pkgs := make([][]*build.Package, len(specs))
	for _, k := range order {
		var patterns []string
		for _, i := range byTags[k] {
			patterns = append(patterns, specs[i].patterns()...)
		}
		found, err := build.FindPackages(ctx, o.build.Dir, patterns, specs[byTags[k][0]].BuildTags, o.skipped)
		if err != nil {
			return nil, err
		}
		for _, i := range byTags[k] {
			n := len(specs[i].patterns())
			pkgs[i] = uniqueSorted(found[:n])
			found = found[n:]
		}
	}
	var targets []build.Target
	for i, s := range specs {
		for _, p := range pkgs[i] {
			tags, names, err := s.names(p, len(pkgs[i]) > 1 || s.plural())
			if err != nil {
				return nil, err
			}
			targets = append(targets, build.Target{Package: p, Settings: s.Settings, Tags: tags, Names: names})
		}
	}
	return targets, nil
}

func (s Spec) patterns() []string {
	if len(s.Packages) == 0 {
		return []string{"."}
	}
	return s.Packages
}

// plural reports whether the spec names packages in the plural (several
// patterns, or a "..." pattern), however many packages matched.
func (s Spec) plural() bool {
	return len(s.Packages) > 1 || len(s.Packages) == 1 && strings.Contains(s.Packages[0], "...")
}

// uniqueSorted merges the packages of several patterns, sorted by import
// path.
func uniqueSorted(lists [][]*build.Package) []*build.Package {
	seen := map[string]bool{}
	var out []*build.Package
	for _, l := range lists {
		for _, p := range l {
			if !seen[p.ImportPath] {
				seen[p.ImportPath] = true
				out = append(out, p)
			}
		}
	}
	slices.SortFunc(out, func(a, b *build.Package) int { return strings.Compare(a.ImportPath, b.ImportPath) })
	return out
}

// ErrTagsForMany is full tags given for a pattern that names several
// packages: a tag names one image.
var ErrTagsForMany = errors.New("full tags name one image, and the pattern names several packages")

// ErrNotBareTag is a tag that is not bare where a repository is given.
var ErrNotBareTag = errors.New("with a repository, tags are bare (v1.2.0)")

var bareTag = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)

// names returns where pkg's image is pushed and what it is called locally.
func (s Spec) names(pkg *build.Package, many bool) (tags, names []name.Tag, err error) {
	refs := s.Tags
	if s.Repo != "" {
		if len(refs) == 0 {
			refs = []string{"latest"}
		}
		full := make([]string, len(refs))
		for i, t := range refs {
			if !bareTag.MatchString(t) {
				return nil, nil, fmt.Errorf("tag %q: %w", t, ErrNotBareTag)
			}
			full[i] = strings.TrimSuffix(s.Repo, "/") + "/" + pkg.Name + ":" + t
		}
		refs = full
	} else if many && len(refs) > 0 {
		return nil, nil, fmt.Errorf("%s: %w", strings.Join(s.patterns(), " "), ErrTagsForMany)
	}
	if tags, err = publish.ParseTags(refs, s.Insecure); err != nil {
		return nil, nil, err
	}
	if len(tags) > 0 {
		return tags, tags, nil
	}
	local, err := name.NewTag(LocalRegistry + "/" + pkg.Name + ":latest")
	if err != nil {
		return nil, nil, fmt.Errorf("naming %s: %w", pkg.ImportPath, err)
	}
	return nil, []name.Tag{local}, nil
}

// NameClashError is two packages whose images would have the same name.
type NameClashError struct {
	Name     string
	Packages [2]string
}

func (e *NameClashError) Error() string {
	return fmt.Sprintf("%s and %s would both be %s", e.Packages[0], e.Packages[1], e.Name)
}

// distinctNames refuses two packages under one name: they would overwrite
// each other's tags.
func distinctNames(targets []build.Target) error {
	byName := map[string]string{}
	for _, t := range targets {
		for _, tag := range t.Names {
			if other, dup := byName[tag.String()]; dup && other != t.Package.ImportPath {
				return &NameClashError{Name: tag.String(), Packages: [2]string{other, t.Package.ImportPath}}
			}
			byName[tag.String()] = t.Package.ImportPath
		}
	}
	return nil
}

// sbomFunc describes a platform image, its binary and the layers mingo
// generated, in an SPDX document named after the image.
func sbomFunc(version string) func(build.SBOMInput) ([]byte, error) {
	return func(in build.SBOMInput) ([]byte, error) {
		return sbom.FromBinary(in.Binary, sbom.Options{
			Name: docName(in.Target.Package, in.Target.Names), Platform: in.Platform.String(),
			Created: created(in.Target.Created), Tool: "mingo-" + version,
			Image: in.Image.String(), Components: in.Components,
		})
	}
}

// docName is the name of an image's SBOM: its repository, or the import
// path of an image with no name.
func docName(pkg *build.Package, names []name.Tag) string {
	if len(names) > 0 {
		return names[0].Context().Name()
	}
	return pkg.ImportPath
}

func created(t time.Time) time.Time {
	if t.IsZero() {
		return time.Unix(0, 0).UTC()
	}
	return t.UTC()
}

// indexSBOMs gives every index its SPDX document, which describes the
// index and, by digest, each platform image with its packages.
func indexSBOMs(images []*Image, version string) error {
	for _, img := range images {
		if img.Index == nil {
			continue
		}
		d, err := img.Index.Digest()
		if err != nil {
			return err
		}
		o := sbom.IndexOptions{Name: docName(img.Package, img.Names), Digest: d.String(), Created: created(img.Created), Tool: "mingo-" + version}
		for _, pi := range img.Images {
			pd, err := pi.Image.Digest()
			if err != nil {
				return err
			}
			o.Images = append(o.Images, sbom.IndexImage{Platform: pi.Platform.String(), Digest: pd.String(), SBOM: pi.SBOM})
		}
		if img.SBOM, err = sbom.ForIndex(o); err != nil {
			return fmt.Errorf("writing the SBOM of the index: %w", err)
		}
	}
	return nil
}

// Publish sends images to every output, in the order given (see
// publish.Multi), and returns for each image its reference in the last
// output that has one (a registry's repository@digest), or nil.
func Publish(ctx context.Context, images []*Image, outputs ...publish.Interface) ([]name.Reference, error) {
	m := publish.Multi(outputs...)
	refs, err := m.Publish(ctx, images)
	if cerr := m.Close(); err == nil && cerr != nil {
		return nil, cerr
	}
	return refs, err
}

// modulePath is mingo's module, for finding its version in build info.
const modulePath = "github.com/mingo-build/mingo"

// Version is mingo's module version as the running program was built with
// it, or "(devel)".
func Version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "(devel)"
	}
	if bi.Main.Path == modulePath && bi.Main.Version != "" {
		return bi.Main.Version
	}
	for _, d := range bi.Deps {
		if d.Path == modulePath && d.Version != "" {
			return d.Version
		}
	}
	return "(devel)"
}
