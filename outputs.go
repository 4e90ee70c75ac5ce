package mingo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/mingo-build/mingo/internal/layers"
	"github.com/mingo-build/mingo/platform"
	"github.com/mingo-build/mingo/publish"
)

// Outputs are where built images go, as mingo build's flags name them.
// They are written in this order: the local files (a tarball, the SBOMs,
// an OCI layout), the local engine, then the registries of the images'
// tags, so that a push that fails leaves the local outputs complete. Each
// output is all or nothing. The zero value writes nothing.
type Outputs struct {
	// Tarball is a file docker load accepts, holding every image (see
	// publish.Tarball).
	Tarball string
	// SBOMDir is a directory the SBOMs are written to (see
	// publish.SBOMDir).
	SBOMDir string
	// Layout is an OCI image layout directory (see publish.Layout).
	Layout string
	// Engine is the local container engine to load the images into. When
	// its Skipped is nil, the platforms it did not load are reported to
	// Progress.
	Engine *publish.Daemon
	// Registry pushes the images to the registries of their tags; nil
	// pushes nothing.
	Registry *publish.Registry
	// Progress, when set, receives a line once each local output is
	// written, and what a classic docker load or an engine keeping one
	// platform per tag takes of a multi-platform image.
	Progress func(format string, args ...any)
}

// ErrNoDir is a local output whose directory does not exist.
var ErrNoDir = errors.New("directory does not exist")

// OutputError is a local output that cannot be written, found by Check:
// Output names the field of Outputs (Tarball, SBOMDir or Layout), Path
// is its value.
type OutputError struct {
	Output, Path string
	Err          error
}

func (e *OutputError) Error() string { return fmt.Sprintf("%s %s: %v", e.Output, e.Path, e.Err) }
func (e *OutputError) Unwrap() error { return e.Err }

// Check reports, before anything is built, a local output that cannot be
// written, so that a typo fails in a second rather than after compiling:
// a path whose directory does not exist (ErrNoDir), a Tarball that is a
// directory (publish.ErrIsDir), a Layout that is neither new, empty nor
// an OCI layout (publish.ErrNotDir, publish.ErrNotLayout). Outputs are
// checked in the order they are written.
func (out Outputs) Check() error {
	for _, o := range []struct{ name, path string }{{"Tarball", out.Tarball}, {"SBOMDir", out.SBOMDir}, {"Layout", out.Layout}} {
		if o.path == "" {
			continue
		}
		dir := filepath.Dir(filepath.Clean(o.path))
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			return &OutputError{Output: o.name, Path: o.path, Err: fmt.Errorf("%s: %w", dir, ErrNoDir)}
		}
	}
	if fi, err := os.Stat(out.Tarball); out.Tarball != "" && err == nil && fi.IsDir() {
		return &OutputError{Output: "Tarball", Path: out.Tarball, Err: publish.ErrIsDir}
	}
	if out.Layout != "" {
		if err := publish.CheckLayoutDir(out.Layout); err != nil {
			return &OutputError{Output: "Layout", Path: out.Layout, Err: errors.Unwrap(err)}
		}
	}
	return nil
}

// BuildAndPublish builds the targets and publishes the images to out. When
// out pushes, every registry is checked (it answers and takes the
// credentials) while the build runs, so that a typo or a missing login
// fails in a second (see WithPreflight). It returns the images and, for
// each, its reference in the registry, nil when it was not pushed.
func BuildAndPublish(ctx context.Context, targets []Target, out Outputs, opts ...Option) ([]*Image, []name.Reference, error) {
	if out.Registry != nil {
		var tags []name.Tag
		for _, t := range targets {
			tags = append(tags, t.Tags...)
		}
		opts = append(opts, WithPreflight(func(ctx context.Context) error { return out.Registry.Check(ctx, tags) }))
	}
	images, err := BuildTargets(ctx, targets, opts...)
	if err != nil {
		return nil, nil, err
	}
	var rec publish.FileRecord
	if r, ok := layers.OutputRecords(newOptions(opts).cacheDir); ok {
		rec = r // the build opened (and made) that cache
	}
	refs, err := Publish(ctx, images, out.list(images, rec)...)
	if err != nil {
		return images, nil, err
	}
	return images, refs, nil
}

// list is the outputs out names, in the order they are written; rec, if
// not nil, records what the tarball holds.
func (out Outputs) list(images []*Image, rec publish.FileRecord) []publish.Interface {
	var list []publish.Interface
	if out.Tarball != "" {
		for _, img := range images {
			if len(img.Images) > 1 {
				load := publish.LoadImage(img)
				out.progress("tarball: docker load gets %s as %s; all %d platforms are in its OCI index", load.Platform, joinTags(img.Names), len(img.Images))
			}
		}
		list = append(list, out.reported(&publish.Tarball{Path: out.Tarball, Record: rec}, "wrote "+out.Tarball))
	}
	if out.SBOMDir != "" {
		list = append(list, out.reported(&publish.SBOMDir{Dir: out.SBOMDir}, "wrote SBOMs to "+out.SBOMDir))
	}
	if out.Layout != "" {
		list = append(list, out.reported(&publish.Layout{Dir: out.Layout}, "wrote OCI layout "+out.Layout))
	}
	if out.Engine != nil {
		list = append(list, out.reported(out.engine(), "loaded into the engine at "+out.Engine.Address()))
	}
	if out.Registry != nil {
		list = append(list, out.Registry)
	}
	return list
}

// engine is Engine, reporting the platforms it skips to Progress unless
// it has its own Skipped. It is a copy: the caller's Daemon is left as
// it was.
func (out Outputs) engine() *publish.Daemon {
	if out.Engine.Skipped != nil || out.Progress == nil {
		return out.Engine
	}
	d := *out.Engine
	d.Skipped = func(img *Image, loaded platform.Platform, skipped []platform.Platform) {
		s := make([]string, len(skipped))
		for i, p := range skipped {
			s[i] = p.String()
		}
		out.progress("load: %s gets %s only (this engine keeps one platform per tag); skipped %s", joinTags(img.Names), loaded, strings.Join(s, ", "))
	}
	return &d
}

func (out Outputs) progress(format string, args ...any) {
	if out.Progress != nil {
		out.Progress(format, args...)
	}
}

// reported is an output that says so once it is written.
type reported struct {
	publish.Interface
	progress func(format string, args ...any)
	done     string
}

func (out Outputs) reported(o publish.Interface, done string) publish.Interface {
	return &reported{o, out.progress, done}
}

func (r *reported) Publish(ctx context.Context, images []*Image) ([]name.Reference, error) {
	refs, err := r.Interface.Publish(ctx, images)
	if err == nil {
		r.progress("%s", r.done)
	}
	return refs, err
}

// joinTags lists tags as messages show them.
func joinTags(tags []name.Tag) string {
	s := make([]string, len(tags))
	for i, t := range tags {
		s[i] = t.String()
	}
	return strings.Join(s, ", ")
}
