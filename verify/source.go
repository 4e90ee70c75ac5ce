package verify

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/mingo-build/mingo/internal/recipe"
	"github.com/mingo-build/mingo/publish"
)

// Source is an image to verify: where it is, and how to read it.
type Source interface {
	// String names the image in messages.
	String() string
	fetch(ctx context.Context, opts []remote.Option) (*published, error)
}

// published is what a source holds.
type published struct {
	digest    v1.Hash
	platforms map[string]v1.Hash // "linux/arm64" -> manifest digest
	recipe    *recipe.Recipe
	// annotations are the top manifest's.
	annotations map[string]string
	// image reads the platform image with manifest digest h.
	image func(h v1.Hash) (v1.Image, error)
	// cleanup, when set, removes what fetch left on disk.
	cleanup func()
	// byConfig says the digests are image IDs, the configs' digests:
	// those an engine keeps.
	byConfig bool
}

func (p *published) close() {
	if p.cleanup != nil {
		p.cleanup()
	}
}

// Registry is the image ref points at in its registry.
func Registry(ref name.Reference) Source { return registrySource{ref} }

type registrySource struct{ ref name.Reference }

func (s registrySource) String() string { return s.ref.String() }

func (s registrySource) fetch(ctx context.Context, opts []remote.Option) (*published, error) {
	opts = append([]remote.Option{remote.WithContext(ctx)}, opts...)
	desc, err := remote.Get(s.ref, opts...)
	if err != nil {
		return nil, fmt.Errorf("fetching %s: %w", s.ref, err)
	}
	image := func(h v1.Hash) (v1.Image, error) { return remote.Image(s.ref.Context().Digest(h.String()), opts...) }
	return readTop(s, desc.Descriptor, desc.ImageIndex, desc.Image, image)
}

// Layout is the image called imageName in the OCI image layout in dir, as
// `mingo build --oci-layout` writes it: imageName is an entry's
// org.opencontainers.image.ref.name ("v1", "api:v1") or its full name
// ("registry.example.com/team/api:v1"); "" picks the layout's one image.
func Layout(dir, imageName string) Source { return layoutSource{dir: dir, name: imageName} }

type layoutSource struct {
	dir, name string
	// what names the layout in messages when it is not dir.
	what string
}

func (s layoutSource) String() string {
	what := s.what
	if what == "" {
		what = s.dir
	}
	if s.name != "" {
		return what + ":" + s.name
	}
	return what
}

// Annotations an OCI layout's index.json names its entries with (see
// package publish).
const (
	annotationImageName = "io.containerd.image.name"
	annotationRefName   = "org.opencontainers.image.ref.name"
)

// ErrNoImage is a layout or tarball name that names no image in it, or no
// name for one that holds several.
var ErrNoImage = errors.New("no such image")

func (s layoutSource) fetch(context.Context, []remote.Option) (*published, error) {
	p, err := layout.FromPath(s.dir)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", s, err)
	}
	top, err := p.ImageIndex()
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", s, err)
	}
	im, err := top.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", s, err)
	}
	desc, err := s.pick(im.Manifests)
	if err != nil {
		return nil, err
	}
	index := func() (v1.ImageIndex, error) { return top.ImageIndex(desc.Digest) }
	img := func() (v1.Image, error) { return top.Image(desc.Digest) }
	image := func(h v1.Hash) (v1.Image, error) {
		if !desc.MediaType.IsIndex() {
			return img()
		}
		idx, err := index()
		if err != nil {
			return nil, err
		}
		return idx.Image(h)
	}
	return readTop(s, desc, index, img, image)
}

// pick returns the entry s names, or the only image of the layout.
func (s layoutSource) pick(entries []v1.Descriptor) (v1.Descriptor, error) {
	var names []string
	var found []v1.Descriptor
	for _, d := range entries {
		ref, full := d.Annotations[annotationRefName], d.Annotations[annotationImageName]
		names = append(names, ref)
		if s.name == "" || s.name == ref || s.name == full {
			found = append(found, d)
		}
	}
	for _, d := range found {
		if d.Digest != found[0].Digest {
			return v1.Descriptor{}, fmt.Errorf("%s holds several images, none named: %w (its names: %s)", s, ErrNoImage, strings.Join(names, ", "))
		}
	}
	if len(found) == 0 {
		return v1.Descriptor{}, fmt.Errorf("%s: %w (it holds %s)", s, ErrNoImage, strings.Join(names, ", "))
	}
	return found[0], nil
}

// Tarball is the image called imageName in the archive `mingo build
// --tarball` writes at path (it holds an OCI image layout; imageName is as
// for Layout).
func Tarball(path, imageName string) Source { return tarballSource{path: path, name: imageName} }

type tarballSource struct{ path, name string }

func (s tarballSource) String() string {
	if s.name != "" {
		return s.path + ":" + s.name
	}
	return s.path
}

// fetch unpacks the archive's layout into a temporary directory, removed
// when the rebuild is compared, and reads it as Layout does.
func (s tarballSource) fetch(ctx context.Context, opts []remote.Option) (*published, error) {
	dir, err := os.MkdirTemp("", "mingo-verify-")
	if err != nil {
		return nil, err
	}
	if err := unpackLayout(s.path, dir); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("reading %s: %w", s, err)
	}
	pub, err := layoutSource{dir: dir, name: s.name, what: s.path}.fetch(ctx, opts)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	pub.cleanup = func() { os.RemoveAll(dir) }
	return pub, nil
}

// unpackLayout writes the OCI layout files of the archive at path into
// dir: oci-layout, index.json and blobs/sha256/*.
func unpackLayout(path, dir string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		n := filepath.Clean(h.Name)
		layoutFile := n == "oci-layout" || n == "index.json" || filepath.Dir(n) == filepath.Join("blobs", "sha256")
		if h.Typeflag != tar.TypeReg || !layoutFile {
			continue
		}
		if err := writeFile(filepath.Join(dir, n), tr); err != nil {
			return err
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "index.json")); err != nil {
		return errors.New("no OCI image layout in the archive: not a multi-platform tarball written by mingo")
	}
	return nil
}

func writeFile(path string, r io.Reader) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Engine is the image called ref in the container engine d talks to
// (Docker's or podman's API). An engine keeps no manifest: the digests
// compared are image IDs (the configs' digests), the recipe is the
// config's label, and the one platform rebuilt is the image's.
func Engine(d *publish.Daemon, ref string) Source { return engineSource{d: d, ref: ref} }

type engineSource struct {
	d   *publish.Daemon
	ref string
}

func (s engineSource) String() string { return s.ref }

// fetch saves the image into a temporary file, removed when the rebuild
// is compared, and reads it.
func (s engineSource) fetch(ctx context.Context, _ []remote.Option) (*published, error) {
	f, err := os.CreateTemp("", "mingo-verify-*.tar")
	if err != nil {
		return nil, err
	}
	cleanup := func() { os.Remove(f.Name()) }
	pub, err := s.read(ctx, f)
	if err != nil {
		cleanup()
		return nil, err
	}
	pub.cleanup = cleanup
	return pub, nil
}

func (s engineSource) read(ctx context.Context, f *os.File) (*published, error) {
	err := s.d.Save(ctx, s.ref, f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s from the engine: %w", s, err)
	}
	img, err := tarball.ImageFromPath(f.Name(), nil)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", s, err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", s, err)
	}
	id, err := img.ConfigName()
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", s, err)
	}
	label, ok := cf.Config.Labels[recipe.Annotation]
	if !ok {
		return nil, fmt.Errorf("%s: %w", s, ErrNoRecipe)
	}
	r, err := recipe.Parse(label)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s, err)
	}
	plat := platformString(&v1.Platform{OS: cf.OS, Architecture: cf.Architecture, Variant: cf.Variant})
	r.Platforms = []string{plat}
	image := func(v1.Hash) (v1.Image, error) { return img, nil }
	return &published{digest: id, platforms: map[string]v1.Hash{plat: id}, recipe: r, image: image, byConfig: true}, nil
}

// readTop reads the manifest desc describes, an index or an image, and its
// recipe.
func readTop(src Source, desc v1.Descriptor, index func() (v1.ImageIndex, error), img func() (v1.Image, error), image func(v1.Hash) (v1.Image, error)) (*published, error) {
	pub := &published{digest: desc.Digest, platforms: map[string]v1.Hash{}, image: image}
	var err error
	if desc.MediaType.IsIndex() {
		err = pub.readIndex(index)
	} else {
		err = pub.readImage(desc.Digest, img)
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", src, err)
	}
	s, ok := pub.annotations[recipe.Annotation]
	if !ok {
		return nil, fmt.Errorf("%s: %w", src, ErrNoRecipe)
	}
	if pub.recipe, err = recipe.Parse(s); err != nil {
		return nil, fmt.Errorf("%s: %w", src, err)
	}
	return pub, nil
}

func (pub *published) readIndex(index func() (v1.ImageIndex, error)) error {
	idx, err := index()
	if err != nil {
		return err
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return err
	}
	pub.annotations = im.Annotations
	for _, d := range im.Manifests {
		if d.Platform != nil {
			pub.platforms[platformString(d.Platform)] = d.Digest
		}
	}
	return nil
}

func (pub *published) readImage(digest v1.Hash, image func() (v1.Image, error)) error {
	img, err := image()
	if err != nil {
		return err
	}
	m, err := img.Manifest()
	if err != nil {
		return err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return err
	}
	pub.annotations = m.Annotations
	pub.platforms[platformString(&v1.Platform{OS: cf.OS, Architecture: cf.Architecture, Variant: cf.Variant})] = digest
	return nil
}
