// Package verify rebuilds an image mingo published and compares the
// digests: the reproducibility promise, made checkable.
//
// mingo records on the top manifest of every image it builds a rebuild
// recipe (the dev.mingo.recipe annotation): the package, the
// platforms, the flags, the base pinned by digest, the image time. Rebuild
// reads it, builds the package again from local source with the same
// settings and reports, for each platform, whether the rebuilt image has the
// digest the registry holds.
//
// The recipe holds no host paths and no secrets: files added to the image
// are named only by where they went, a CA bundle and the ldflags only by
// their digests, so the caller supplies them again ([WithFiles],
// [WithCABundle], [WithLDFlags]).
package verify

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/mingo-build/mingo"
	"github.com/mingo-build/mingo/internal/recipe"
	"github.com/mingo-build/mingo/platform"
)

// Status is how a rebuilt platform image compares with the registry's.
type Status int

// The outcomes of comparing one platform.
const (
	// Match: the rebuilt image has the registry's digest.
	Match Status = iota
	// Mismatch: the registry holds another digest for the platform.
	Mismatch
	// Missing: the registry holds no image for the platform.
	Missing
)

// String returns "match", "mismatch" or "missing".
func (s Status) String() string {
	switch s {
	case Match:
		return "match"
	case Mismatch:
		return "mismatch"
	case Missing:
		return "missing"
	}
	return fmt.Sprintf("Status(%d)", int(s))
}

// Platform compares one platform's image.
type Platform struct {
	Platform platform.Platform
	// Want is the registry's manifest digest (zero when Missing), Got the
	// rebuilt image's.
	Want, Got v1.Hash
	Status    Status
	// Differences says, for a Mismatch, what differs: the config, which
	// layer, the binary's build info. One fact per entry.
	Differences []string
}

// Report is the outcome of a rebuild.
type Report struct {
	// Reference is what was verified.
	Reference Source
	// Want is the digest Reference points at, Got the rebuilt index's (or
	// image's, when one platform was built).
	Want, Got v1.Hash
	// Platforms holds one entry per platform the recipe names, in its
	// order.
	Platforms []Platform
	// Spec is what was rebuilt: the settings of the image's recipe, with
	// the files, CA bundle and ldflags given.
	Spec mingo.Spec
	// WantGo is the Go release that built the image (from the recipe; ""
	// when it was not recorded), GotGo the one that rebuilt it. When they
	// differ the digests are expected to differ.
	WantGo, GotGo string
	// Differences says what differs in the index when every platform
	// matches but the index does not (its annotations).
	Differences []string
}

// Differing counts the platforms that do not match: missing from the
// registry, or rebuilt with another digest.
func (r *Report) Differing() int {
	n := 0
	for _, p := range r.Platforms {
		if p.Status != Match {
			n++
		}
	}
	return n
}

// OK reports whether every platform and the top digest match.
func (r *Report) OK() bool { return r.Want == r.Got && r.Differing() == 0 }

// ErrNoRecipe is returned for an image without the recipe annotation: it
// was not built by mingo, or by a mingo too old to record one.
var ErrNoRecipe = errors.New("no " + recipe.Annotation + " annotation")

// ErrCABundleNeeded is returned when the image was built with a CA bundle
// and none was given.
var ErrCABundleNeeded = errors.New("the image was built with a CA bundle, which the recipe holds only the digest of")

// PackageMismatchError is returned when the package given is not the one
// the image was built from.
type PackageMismatchError struct {
	Reference fmt.Stringer
	// Want is the import path in the recipe, Got the one given.
	Want, Got string
}

func (e *PackageMismatchError) Error() string {
	return fmt.Sprintf("%s was built from %s, not %s", e.Reference, e.Want, e.Got)
}

// AddsMismatchError is returned when the files given to add do not go where
// the image's added files went.
type AddsMismatchError struct {
	Reference fmt.Stringer
	// Want are the image paths in the recipe, Got those given, in order.
	Want, Got []string
}

func (e *AddsMismatchError) Error() string {
	return fmt.Sprintf("%s was built with files added at [%s], not [%s]", e.Reference, strings.Join(e.Want, " "), strings.Join(e.Got, " "))
}

// CABundleMismatchError is returned when the CA bundle given is not the one
// the image was built with, or one was given for an image built without.
type CABundleMismatchError struct {
	Reference fmt.Stringer
	// Want is the digest in the recipe ("" when the image has no CA
	// bundle), Got the digest of the bundle given.
	Want, Got string
}

func (e *CABundleMismatchError) Error() string {
	if e.Want == "" {
		return fmt.Sprintf("%s was built without a CA bundle, but one (%s) was given", e.Reference, e.Got)
	}
	return fmt.Sprintf("%s was built with CA bundle %s, not %s", e.Reference, e.Want, e.Got)
}

// LDFlagsMismatchError is returned when the ldflags given are not the ones
// the image was built with: the recipe holds their digest only.
type LDFlagsMismatchError struct {
	Reference fmt.Stringer
	// Want is the digest in the recipe ("" when built without ldflags),
	// Got the digest of the ldflags given ("" for none).
	Want, Got string
}

func (e *LDFlagsMismatchError) Error() string {
	switch {
	case e.Got == "":
		return fmt.Sprintf("%s was built with ldflags (%s), and none were given", e.Reference, e.Want)
	case e.Want == "":
		return fmt.Sprintf("%s was built without ldflags, but some (%s) were given", e.Reference, e.Got)
	}
	return fmt.Sprintf("%s was built with other ldflags: recipe %s, given %s", e.Reference, e.Want, e.Got)
}

// Option configures Rebuild.
type Option func(*options)

type options struct {
	remote   []remote.Option
	cacheDir string
	dir      string
	files    []mingo.File
	caBundle []byte
	ldflags  string
	progress func(mingo.Event)
}

// WithRemote sets the options for talking to registries: fetching the
// reference and pulling a registry base (credentials, transport, context).
func WithRemote(opts ...remote.Option) Option {
	return func(o *options) { o.remote = append(o.remote, opts...) }
}

// WithCacheDir keeps layers and binaries in dir, as [mingo.WithCacheDir]
// does; "" (the default) is mingo's default cache.
func WithCacheDir(dir string) Option {
	return func(o *options) { o.cacheDir = dir }
}

// WithDir sets where the package resolves and builds; "" (the default) is
// the current directory.
func WithDir(dir string) Option {
	return func(o *options) { o.dir = dir }
}

// WithFiles gives the files the image was built with; their image paths
// must be the recipe's, in its order.
func WithFiles(files []mingo.File) Option {
	return func(o *options) { o.files = files }
}

// WithCABundle gives the PEM CA bundle the image was built with; its digest
// must be the recipe's.
func WithCABundle(pem []byte) Option {
	return func(o *options) { o.caBundle = pem }
}

// WithLDFlags gives the extra linker flags the image was built with; their
// digest must be the recipe's.
func WithLDFlags(ldflags string) Option {
	return func(o *options) { o.ldflags = ldflags }
}

// WithProgress receives each platform's build steps.
func WithProgress(f func(mingo.Event)) Option {
	return func(o *options) { o.progress = f }
}

// Rebuild fetches what ref points at, reads its recipe, rebuilds the main
// package pattern names with it and compares digests. A rebuild that
// differs is not an error: the Report says so (see Report.OK). Errors are
// for a rebuild that could not be made: ErrNoRecipe, ErrCABundleNeeded,
// *PackageMismatchError, *AddsMismatchError, *CABundleMismatchError,
// *LDFlagsMismatchError, or a registry, resolve or build failure.
func Rebuild(ctx context.Context, pattern string, ref name.Reference, opts ...Option) (*Report, error) {
	return RebuildFrom(ctx, pattern, Registry(ref), opts...)
}

// RebuildFrom is Rebuild of the image src holds: a registry's, an OCI
// layout's, a tarball's or a container engine's.
func RebuildFrom(ctx context.Context, pattern string, ref Source, opts ...Option) (*Report, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	pub, err := ref.fetch(ctx, o.remote)
	if err != nil {
		return nil, err
	}
	defer pub.close()
	if r := pub.recipe; r.Version != "" && pattern == r.Package {
		pattern += "@" + r.Version // the version the image was built at
	}
	spec, err := specOf(pub.recipe, pattern)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ref, err)
	}
	if err := o.inputs(ref, pub.recipe, &spec); err != nil {
		return nil, err
	}
	img, err := o.rebuild(ctx, ref, spec, pub.recipe)
	if err != nil {
		return nil, err
	}
	rep, err := compare(ref, pub, img)
	if err != nil {
		return nil, err
	}
	rep.Spec = spec
	return rep, nil
}

// specOf is the spec of the main package pattern names built with the
// settings r records. Added files, a CA bundle and the ldflags are not in
// r: the caller supplies them again (see options.inputs).
func specOf(r *recipe.Recipe, pattern string) (mingo.Spec, error) {
	s := mingo.Spec{
		BuildTags: r.BuildTags, Base: r.Base, CACerts: r.CACerts, TZData: r.TZData, Passwd: r.Passwd,
		User: r.User, Env: r.Env, Labels: r.Labels, Annotations: r.Annots, WorkDir: r.WorkDir, Args: r.Args,
		Expose: r.Expose, Volumes: r.Volumes, StopSignal: r.StopSignal, Compression: r.Compression, Delve: r.Delve,
		With: r.With, Capabilities: r.Caps,
	}
	if r.KoData != nil {
		s.DataCreated = time.Unix(*r.KoData, 0).UTC()
	}
	if pattern != "" {
		s.Packages = []string{pattern}
	}
	for _, p := range r.Platforms {
		plat, err := platform.Parse(p)
		if err != nil {
			return mingo.Spec{}, err
		}
		s.Platforms = append(s.Platforms, plat)
	}
	if r.Created != nil {
		s.Created = time.Unix(*r.Created, 0).UTC()
	}
	if r.Created == nil {
		// Not the commit time of the checkout here: the image's, which
		// is the epoch when the recipe names none.
		s.ConfigCreated = time.Unix(recipe.Or0(r.ConfigCreated), 0).UTC()
	}
	return s, nil
}

// rebuild builds the one package spec names, after checking it is the
// recipe's package, at the recipe's module version when it has one.
func (o *options) rebuild(ctx context.Context, ref Source, spec mingo.Spec, r *recipe.Recipe) (*mingo.Image, error) {
	pattern := "."
	if len(spec.Packages) > 0 {
		pattern = spec.Packages[0]
	}
	if strings.Contains(pattern, "...") {
		return nil, fmt.Errorf("package pattern %q matches many packages: name one main package, for example ./cmd/api", pattern)
	}
	opts := []mingo.Option{mingo.WithDir(o.dir), mingo.WithCacheDir(o.cacheDir), mingo.WithRemote(o.remote...)}
	if o.progress != nil {
		opts = append(opts, mingo.WithProgress(o.progress))
	}
	targets, err := mingo.Resolve(ctx, []mingo.Spec{spec}, opts...)
	if err != nil {
		return nil, err
	}
	if len(targets) != 1 {
		return nil, fmt.Errorf("package pattern %q matches %d packages: name one main package", pattern, len(targets))
	}
	if t := targets[0]; t.ImportPath != r.Package || t.Version != r.Version {
		return nil, &PackageMismatchError{Reference: ref, Want: atVersion(r.Package, r.Version), Got: atVersion(t.ImportPath, t.Version)}
	}
	images, err := mingo.BuildTargets(ctx, targets, opts...)
	if err != nil {
		return nil, err
	}
	return images[0], nil
}

// compare reports how img, the rebuild, compares with pub, what ref
// points at.
func compare(ref Source, pub *published, img *mingo.Image) (*Report, error) {
	rep := &Report{Reference: ref, Want: pub.digest, WantGo: pub.recipe.GoVersion, GotGo: img.GoVersion}
	digest := v1.Image.Digest
	if pub.byConfig {
		digest = v1.Image.ConfigName
	}
	var err error
	if rep.Got, err = img.Artifact().Digest(); err != nil {
		return nil, err
	}
	if pub.byConfig && len(img.Images) == 1 {
		rep.Got, err = img.Images[0].Image.ConfigName()
		if err != nil {
			return nil, err
		}
	}
	for _, pi := range img.Images {
		got, err := digest(pi.Image)
		if err != nil {
			return nil, err
		}
		p := Platform{Platform: pi.Platform, Got: got}
		want, ok := pub.platforms[pi.Platform.String()]
		switch {
		case !ok:
			p.Status = Missing
		case want == got:
			p.Want, p.Status = want, Match
		default:
			p.Want, p.Status = want, Mismatch
			p.Differences = explain(pub, want, pi)
		}
		rep.Platforms = append(rep.Platforms, p)
	}
	if rep.Want != rep.Got && img.Index != nil && rep.Differing() == 0 {
		rep.Differences = annotationDiff(pub.annotations, indexAnnotations(img.Index))
	}
	return rep, nil
}

// inputs puts into s the inputs the recipe names but does not hold, after
// checking they are the ones it names.
func (o *options) inputs(ref Source, r *recipe.Recipe, s *mingo.Spec) error {
	var paths []string
	for _, f := range o.files {
		paths = append(paths, f.Path)
	}
	if !slices.Equal(paths, r.Adds) {
		return &AddsMismatchError{Reference: ref, Want: r.Adds, Got: paths}
	}
	s.Files = o.files
	if got := recipe.LDFlagsDigest(o.ldflags); got != r.LDFlags {
		return &LDFlagsMismatchError{Reference: ref, Want: r.LDFlags, Got: got}
	}
	s.LDFlags = o.ldflags
	switch {
	case r.CABundle == "" && o.caBundle == nil:
	case o.caBundle == nil:
		return fmt.Errorf("%s: %w", ref, ErrCABundleNeeded)
	default:
		got := fmt.Sprintf("sha256:%x", sha256.Sum256(o.caBundle))
		if got != r.CABundle {
			return &CABundleMismatchError{Reference: ref, Want: r.CABundle, Got: got}
		}
		s.CABundle = o.caBundle
	}
	return nil
}

// platformString names p as platform.Platform.String does.
func platformString(p *v1.Platform) string {
	s := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	return s
}

// atVersion is pkg@version, or pkg for a package built from source here.
func atVersion(pkg, version string) string {
	if version == "" {
		return pkg
	}
	return pkg + "@" + version
}
