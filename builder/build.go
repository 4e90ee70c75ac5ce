// Package builder resolves a Go main package, compiles it statically for
// each target platform and assembles the images and the index.
package builder

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"runtime"
	"slices"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/semaphore"

	"github.com/mingo-build/mingo/layers"
	"github.com/mingo-build/mingo/platform"
)

// Options configure a build.
type Options struct {
	// Dir is where Package is resolved and `go build` runs; "" is the
	// current directory.
	Dir string
	// Package is a directory or an import path; "" means ".".
	Package string
	// Platforms to build, in index order; nil means every Linux platform
	// the base offers (--platform all).
	Platforms []platform.Platform
	// LDFlags are added after "-s -w".
	LDFlags string
	// Tags are Go build tags.
	Tags []string
	// Jobs bounds concurrent compilations; 0 means the number of CPUs.
	Jobs int
	// Limit, when set, is the semaphore compilations take a slot of,
	// shared between packages built at once; it overrides Jobs.
	Limit *semaphore.Weighted
	// Cache holds compressed layers between runs.
	Cache *layers.Cache
	// Created is the image creation time and every file's mtime; the zero
	// value means the Unix epoch.
	Created time.Time
	// Base is "scratch", "distroless" or a registry reference; "" means
	// scratch.
	Base string
	// Generated selects the layers mingo generates on top of the base.
	Generated Generated
	// Adds are local files or directories copied into the image.
	Adds []Add
	// Config is the user's image configuration.
	Config ImageConfig
	// Remote configures pulls of a registry base (auth, transport).
	Remote []remote.Option
	// SBOM, when set, describes a platform's binary (its path on disk,
	// before the build's temporary files go); the result is kept in
	// PlatformImage.SBOM.
	SBOM func(binary string, pkg *Package, p platform.Platform) ([]byte, error)
	// Progress receives each platform's steps; may be nil.
	Progress func(Event)
	// Verbose receives details (go build command lines, compiler output);
	// may be nil.
	Verbose func(format string, args ...any)
}

// Stage is a step of one platform's build.
type Stage int

// The stages a platform goes through, in order.
const (
	Compiling Stage = iota
	Layering
	Built
)

// Event reports that a platform of a package reached a stage.
type Event struct {
	// Package is the import path, Name the binary's name.
	Package  string
	Name     string
	Platform platform.Platform
	Stage    Stage
	// BinarySize is set from Layering on; ImageSize (compressed) on Built.
	BinarySize, ImageSize int64
}

// Generated selects the layers mingo generates, each its own layer.
type Generated struct {
	// CACerts adds a CA bundle: CABundle if set, else the Mozilla roots
	// pinned by go.mod.
	CACerts  bool
	CABundle []byte
	// TZData adds Go's time-zone database under /usr/share/zoneinfo.
	TZData bool
	// Passwd adds /etc/passwd, /etc/group, /etc/nsswitch.conf, /home/nonroot
	// and /tmp.
	Passwd bool
}

// Add is one --add: a local file or directory and where it goes.
type Add struct {
	Local, ImagePath string
}

func (o *Options) progress(e Event) {
	if o.Progress != nil {
		o.Progress(e)
	}
}

func (o *Options) logf(format string, args ...any) {
	if o.Verbose != nil {
		o.Verbose(format, args...)
	}
}

// Result is what a build produced.
type Result struct {
	Package *Package
	// Images holds one image per platform, in the order asked for.
	Images []PlatformImage
	// Index holds every image; it is nil when one platform was built, in
	// which case that image is the artifact to publish.
	Index v1.ImageIndex
}

// PlatformImage is one platform's image.
type PlatformImage struct {
	Platform   platform.Platform
	Image      v1.Image
	BinarySize int64
	// Layers describes the image's layers, base layers first.
	Layers []LayerInfo
	// SBOM is the binary's software bill of materials, when Options.SBOM
	// is set.
	SBOM []byte
}

// LayerInfo names a layer and gives its compressed size.
type LayerInfo struct {
	// Name is "base" for a registry base's layers, otherwise what mingo
	// put in it: identity, tzdata, ca-certs, files, binary.
	Name string
	Size int64
}

// layerInfos describes img's layers, the last ours of them mingo's, and
// returns the image's compressed size (manifest, config and layers).
func layerInfos(img v1.Image, ours int) ([]LayerInfo, int64, error) {
	m, err := img.Manifest()
	if err != nil {
		return nil, 0, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, 0, err
	}
	raw, err := img.RawManifest()
	if err != nil {
		return nil, 0, err
	}
	total := int64(len(raw)) + m.Config.Size
	// Our history entries name our layers (in their comment), in order.
	var names []string
	for _, h := range cf.History {
		if !h.EmptyLayer {
			names = append(names, h.Comment)
		}
	}
	infos := make([]LayerInfo, len(m.Layers))
	for i, l := range m.Layers {
		infos[i] = LayerInfo{Name: "base", Size: l.Size}
		if i >= len(m.Layers)-ours && i < len(names) && names[i] != "" {
			infos[i].Name = names[i]
		}
		total += l.Size
	}
	return infos, total, nil
}

// Artifact is an image or an index: both have a digest and a manifest.
type Artifact interface {
	Digest() (v1.Hash, error)
	RawManifest() ([]byte, error)
}

// Artifact returns what to publish: the index, or the single image.
func (r *Result) Artifact() Artifact {
	if r.Index != nil {
		return r.Index
	}
	return r.Images[0].Image
}

// Build resolves opts.Package and builds an image for every platform,
// compiling up to opts.Jobs platforms at once.
func Build(ctx context.Context, opts Options) (*Result, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	pkg, err := Resolve(ctx, opts.Dir, opts.Package, opts.Tags)
	if err != nil {
		return nil, err
	}
	return BuildPackage(ctx, opts, pkg)
}

func (o *Options) validate() error {
	for _, p := range o.Platforms {
		if p.OS != "linux" {
			return fmt.Errorf("platform %s: mingo builds Linux images only; Windows images (which need a Windows --base) are not supported yet", p)
		}
	}
	if o.Cache == nil {
		return fmt.Errorf("builder: Options.Cache is required")
	}
	return nil
}

// BuildPackage builds an already resolved package; opts.Package is ignored.
// Several BuildPackage calls may run at once; give them one opts.Limit so
// that --jobs bounds their compilations together.
func BuildPackage(ctx context.Context, opts Options, pkg *Package) (*Result, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	shared, err := prepare(ctx, &opts, pkg)
	if err != nil {
		return nil, err
	}
	if opts.Limit == nil {
		jobs := opts.Jobs
		if jobs <= 0 {
			jobs = runtime.NumCPU()
		}
		opts.Limit = semaphore.NewWeighted(int64(jobs))
	}
	g, gctx := errgroup.WithContext(ctx)
	images := make([]PlatformImage, len(shared.platforms))
	for i, p := range shared.platforms {
		g.Go(func() error {
			pi, err := buildPlatform(gctx, &opts, pkg, shared, p)
			if err != nil {
				return fmt.Errorf("building %s for %s: %w", pkg.ImportPath, p, err)
			}
			images[i] = pi
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	res := &Result{Package: pkg, Images: images}
	if len(images) > 1 {
		res.Index = newIndex(images, shared.topAnnotations(shared.base.digest))
	}
	return res, nil
}

// buildPlatform compiles pkg for p and puts the binary on the base.
func buildPlatform(ctx context.Context, opts *Options, pkg *Package, sh *shared, p platform.Platform) (PlatformImage, error) {
	base, baseDigest, err := sh.base.forPlatform(p)
	if err != nil {
		return PlatformImage{}, err
	}
	ws, err := openWorkspace(opts, pkg, p)
	if err != nil {
		return PlatformImage{}, err
	}
	defer ws.close()
	opts.progress(Event{Package: pkg.ImportPath, Name: pkg.Name, Platform: p, Stage: Compiling})
	bin, err := compile(ctx, opts, pkg, p, ws.dir)
	if err != nil {
		return PlatformImage{}, err
	}
	target := path.Join(BinDir, pkg.Name)
	entry, err := layers.File(bin, target, fs.FileMode(0o755))
	if err != nil {
		return PlatformImage{}, err
	}
	opts.progress(Event{Package: pkg.ImportPath, Name: pkg.Name, Platform: p, Stage: Layering, BinarySize: entry.Size})
	var sbom []byte
	if opts.SBOM != nil {
		if sbom, err = opts.SBOM(bin, pkg, p); err != nil {
			return PlatformImage{}, fmt.Errorf("writing the SBOM: %w", err)
		}
	}
	layer, err := layers.Build(opts.Cache, []layers.Entry{entry}, layers.Options{ModTime: opts.Created})
	if err != nil {
		return PlatformImage{}, fmt.Errorf("layering the binary: %w", err)
	}
	annots := sh.annotations(baseDigest)
	if len(sh.platforms) == 1 {
		annots = sh.topAnnotations(baseDigest)
	}
	img, err := newImage(imageSpec{
		platform:    p,
		base:        base,
		annotations: annots,
		layers:      append(slices.Clone(sh.layers), layerSpec{layer, "binary", "mingo build " + pkg.ImportPath}),
		entrypoint:  target,
		created:     sh.created,
		env:         sh.env,
		config:      sh.config,
	})
	if err != nil {
		return PlatformImage{}, err
	}
	infos, total, err := layerInfos(img, len(sh.layers)+1)
	if err != nil {
		return PlatformImage{}, err
	}
	opts.progress(Event{Package: pkg.ImportPath, Name: pkg.Name, Platform: p, Stage: Built, BinarySize: entry.Size, ImageSize: total})
	return PlatformImage{Platform: p, Image: img, BinarySize: entry.Size, Layers: infos, SBOM: sbom}, nil
}
