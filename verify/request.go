package verify

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/mingo-build/mingo"
	"github.com/mingo-build/mingo/config"
	"github.com/mingo-build/mingo/internal/layers"
	"github.com/mingo-build/mingo/publish"
)

// Request is a verification as mingo verify asks for one: arguments that
// name files and images, which Rebuild reads and parses.
type Request struct {
	// Package is the main package to rebuild.
	Package string
	// Image names the image to compare with (see ParseSource).
	Image string
	// Insecure allows plain HTTP or unverified TLS for Image's registry.
	Insecure bool
	// Adds are the LOCAL:IMAGEPATH files the image was built with.
	Adds []string
	// CABundle is the PEM file the image was built with; "" for none.
	CABundle string
	// LDFlags are the extra linker flags the image was built with, to
	// expand as mingo build does (see config.Expand); nil means those of
	// the image of mingo.yaml that builds Package (see ConfigLDFlags).
	LDFlags *string
}

// Inputs of a Request, as InputError names them.
const (
	InputImage    = "image"
	InputCABundle = "CA bundle"
	InputLDFlags  = "ldflags"
)

// InputError is a Request field that cannot be used: Input (InputImage,
// InputCABundle or InputLDFlags) names it; Err is what ParseSource,
// reading the file or expanding the flags said.
type InputError struct {
	Input string
	Err   error
}

func (e *InputError) Error() string { return fmt.Sprintf("%s: %v", e.Input, e.Err) }

func (e *InputError) Unwrap() error { return e.Err }

// Rebuild is RebuildFrom of what r names, with opts after the options r
// makes. Errors are RebuildFrom's, an *InputError, a malformed add
// (see layers.ParseAdd), or reading mingo.yaml. When the config file in
// the current directory builds Package in a module directory of its own
// (a .ko.yaml build's dir:), the rebuild runs there, as the build did.
func (r Request) Rebuild(ctx context.Context, opts ...Option) (*Report, error) {
	im, err := ConfigImage(ctx, r.Package)
	if err != nil && r.LDFlags == nil {
		return nil, err // the ldflags were to come from the file
	}
	ldflags, err := r.ldflags(ctx, im)
	if err != nil {
		return nil, err
	}
	src, ref, err := ParseSource(r.Image, r.Insecure)
	if err != nil {
		return nil, &InputError{Input: InputImage, Err: err}
	}
	reg := &publish.Registry{}
	if r.Insecure && ref != nil {
		reg.Insecure = []string{ref.Context().RegistryStr()}
	}
	files, err := parseAdds(r.Adds)
	if err != nil {
		return nil, err
	}
	own := []Option{WithRemote(reg.RemoteOptions(ctx)...), WithFiles(files), WithLDFlags(ldflags)}
	if r.CABundle != "" {
		pem, err := os.ReadFile(r.CABundle)
		if err != nil {
			return nil, &InputError{Input: InputCABundle, Err: err}
		}
		own = append(own, WithCABundle(pem))
	}
	pkg := r.Package
	if im != nil && im.Dir != "" {
		pkg = im.Packages[0]
		own = append(own, WithDir(im.Dir))
	}
	return RebuildFrom(ctx, pkg, src, append(own, opts...)...)
}

// parseAdds reads LOCAL:IMAGEPATH specs (see layers.ParseAdd).
func parseAdds(specs []string) ([]mingo.File, error) {
	var files []mingo.File
	for _, spec := range specs {
		local, imagePath, err := layers.ParseAdd(spec)
		if err != nil {
			return nil, err
		}
		files = append(files, mingo.File{Local: local, Path: imagePath})
	}
	return files, nil
}

// ldflags are r.LDFlags expanded, else those of the config file's image
// im (nil: none).
func (r Request) ldflags(ctx context.Context, im *mingo.Spec) (string, error) {
	if r.LDFlags == nil {
		if im == nil {
			return "", nil
		}
		return im.LDFlags, nil
	}
	out, err := config.Expand(*r.LDFlags, config.LazyVars(ctx, ""))
	if err != nil {
		return "", &InputError{Input: InputLDFlags, Err: err}
	}
	return out, nil
}

// ConfigImage returns the image of the config file in the current
// directory (mingo.yaml, or ko's .ko.yaml) that builds pattern, with its
// ldflags expanded as mingo build expands them; nil without a file or
// such an image. pattern names the image's package as the file does, or
// by its directory (./svc/cmd/app) when the image builds in a module
// directory of its own (a .ko.yaml build's dir: ./svc).
func ConfigImage(ctx context.Context, pattern string) (*mingo.Spec, error) {
	cfg, err := mingo.LoadConfig(ctx, "", config.Overlay{})
	if err != nil || cfg.Path == "" {
		return nil, err
	}
	abs, err := filepath.Abs(pattern)
	if err != nil {
		return nil, err
	}
	for i, s := range cfg.Specs {
		if filepath.Clean(s.Packages[0]) == filepath.Clean(pattern) ||
			s.Dir != "" && filepath.Join(s.Dir, s.Packages[0]) == abs {
			return &cfg.Specs[i], nil
		}
	}
	return nil, nil
}
