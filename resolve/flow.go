package resolve

import (
	"context"
	"fmt"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/mingo-build/mingo"
)

// Publisher builds the targets and publishes them, returning for each the
// reference that replaces its import path in the documents.
type Publisher func(ctx context.Context, targets []mingo.Target) ([]string, error)

// Documents builds every package the sources reference, once each, with
// the settings of spec (whose Packages are ignored), has publish publish
// them, and returns the sources joined with each reference replaced. A
// reference to a package that does not resolve is an *Error naming its
// file and line, before anything is built. opts configure the resolution
// of the packages (WithDir).
func Documents(ctx context.Context, sources []*Source, spec mingo.Spec, publish Publisher, opts ...mingo.Option) ([]byte, error) {
	paths, first := ImportPaths(sources)
	replace := map[string]string{}
	if len(paths) > 0 {
		targets, err := targetsOf(ctx, spec, paths, first, opts)
		if err != nil {
			return nil, err
		}
		refs, err := publish(ctx, targets)
		if err != nil {
			return nil, err
		}
		for i, p := range paths {
			replace[p] = refs[i]
		}
	}
	out := make([][]byte, len(sources))
	for i, s := range sources {
		var err error
		if out[i], err = s.Rewrite(func(p string) string { return replace[p] }); err != nil {
			return nil, err
		}
	}
	return Join(out), nil
}

// Build builds the targets and publishes their images, returning them in
// order with each one's registry reference (nil when not pushed), as
// mingo.BuildAndPublish does.
type Build func(ctx context.Context, targets []mingo.Target) ([]*mingo.Image, []name.Reference, error)

// Resolve is Documents with the images that build makes: the documents
// then point at each image's registry reference or, with local (the
// images went to the container engine, named by LocalNames), at its
// LocalTag (see References).
func Resolve(ctx context.Context, sources []*Source, spec mingo.Spec, build Build, local bool, opts ...mingo.Option) ([]byte, error) {
	return Documents(ctx, sources, spec, func(ctx context.Context, targets []mingo.Target) ([]string, error) {
		images, refs, err := build(ctx, targets)
		if err != nil {
			return nil, err
		}
		return References(images, refs, local), nil
	}, opts...)
}

// targetsOf resolves the packages (one spec each, in order) in one load;
// when that fails, it finds the reference at fault and names its file and
// line.
func targetsOf(ctx context.Context, spec mingo.Spec, paths []string, first map[string]Reference, opts []mingo.Option) ([]mingo.Target, error) {
	specs := make([]mingo.Spec, len(paths))
	for i, p := range paths {
		specs[i] = spec
		specs[i].Packages = []string{p}
	}
	targets, err := mingo.Resolve(ctx, specs, opts...)
	if err == nil && len(targets) != len(paths) {
		err = fmt.Errorf("%d packages for %d references", len(targets), len(paths))
	}
	if err == nil {
		return targets, nil
	}
	for i, p := range paths {
		if _, perr := mingo.Resolve(ctx, specs[i:i+1], opts...); perr != nil {
			ref := first[p]
			return nil, &Error{File: ref.File, Line: ref.Line, Err: fmt.Errorf("%s: %w", ref.Value, perr)}
		}
	}
	return nil, err
}

// References are the values that replace the targets' import paths, given
// the images built for them, in order, and each image's reference in the
// registry (as mingo.BuildAndPublish returns them): the registry's
// reference, or with local the image's LocalTag. A debug variant follows
// its image and stands for it: the documents then run the variants.
func References(images []*mingo.Image, refs []name.Reference, local bool) []string {
	var out []string
	for i, img := range images {
		ref := ""
		switch {
		case local:
			ref = LocalTag(img).String()
		case refs[i] != nil:
			ref = refs[i].String()
		}
		if img.Variant == "debug" && len(out) > 0 {
			out[len(out)-1] = ref
			continue
		}
		out = append(out, ref)
	}
	return out
}

// LocalNames are the names an image gets in the container engine when
// the documents point at it there (see publish.Daemon's Names): its
// LocalTag.
func LocalNames(img *mingo.Image) []name.Tag { return []name.Tag{LocalTag(img)} }

// LocalTag is the tag an image gets in the local engine when the
// documents point at it there: its first name's repository (such as
// mingo.local/api) tagged with the first 12 hex digits of its digest, so
// that the reference changes whenever the image does; a classic image
// store cannot run an image by its digest.
func LocalTag(img *mingo.Image) name.Tag {
	d, err := img.Artifact().Digest()
	hex := "unknown"
	if err == nil {
		hex = d.Hex[:12]
	}
	return img.Names[0].Context().Tag(hex)
}
