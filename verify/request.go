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
// (see layers.ParseAdd), or reading mingo.yaml.
func (r Request) Rebuild(ctx context.Context, opts ...Option) (*Report, error) {
	ldflags, err := r.ldflags(ctx)
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
	var files []mingo.File
	for _, spec := range r.Adds {
		local, imagePath, err := layers.ParseAdd(spec)
		if err != nil {
			return nil, err
		}
		files = append(files, mingo.File{Local: local, Path: imagePath})
	}
	own := []Option{WithRemote(reg.RemoteOptions(ctx)...), WithFiles(files), WithLDFlags(ldflags)}
	if r.CABundle != "" {
		pem, err := os.ReadFile(r.CABundle)
		if err != nil {
			return nil, &InputError{Input: InputCABundle, Err: err}
		}
		own = append(own, WithCABundle(pem))
	}
	return RebuildFrom(ctx, r.Package, src, append(own, opts...)...)
}

func (r Request) ldflags(ctx context.Context) (string, error) {
	if r.LDFlags == nil {
		return ConfigLDFlags(ctx, r.Package)
	}
	out, err := config.Expand(*r.LDFlags, config.LazyVars(ctx, ""))
	if err != nil {
		return "", &InputError{Input: InputLDFlags, Err: err}
	}
	return out, nil
}

// ConfigLDFlags returns the ldflags of the image of mingo.yaml (in the
// current directory) whose package is pattern, expanded as mingo build
// expands them; "" without mingo.yaml or such an image.
func ConfigLDFlags(ctx context.Context, pattern string) (string, error) {
	cfg, err := mingo.LoadConfig(ctx, "", config.Overlay{})
	if err != nil {
		return "", err
	}
	for _, s := range cfg.Specs {
		if cfg.Path != "" && filepath.Clean(s.Packages[0]) == filepath.Clean(pattern) {
			return s.LDFlags, nil
		}
	}
	return "", nil
}
