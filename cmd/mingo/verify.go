package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/spf13/cobra"
	"golang.org/x/sync/semaphore"

	"github.com/mingo-build/mingo/builder"
	"github.com/mingo-build/mingo/layers"
	"github.com/mingo-build/mingo/publish"
)

func newVerifyCommand() *cobra.Command {
	var adds []string
	var caBundle string
	var insecure bool
	cmd := &cobra.Command{
		Use:   "verify PACKAGE REF",
		Short: "Rebuild PACKAGE as REF was built and check the digests match",
		Long: `Verify reads the rebuild recipe mingo records on every image it pushes
(platforms, flags, base pinned by digest, SOURCE_DATE_EPOCH), rebuilds PACKAGE
from the source here with it, and compares each platform's digest with the
one in the registry. It prints one line per platform and exits non-zero if
any differs: the reproducibility promise, made checkable.

Files added with --add and a --ca-bundle are not stored in the recipe (only
where they went, and a digest): give them again.`,
		Example: `  mingo verify ./cmd/api registry.example.com/team/api:v1.2.0`,
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runVerify(cmd.Context(), args[0], args[1], adds, caBundle, insecure, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.Flags().StringArrayVar(&adds, "add", nil, "the `LOCAL:IMAGEPATH` files the image was built with (repeatable)")
	cmd.Flags().StringVar(&caBundle, "ca-bundle", "", "the PEM `FILE` the image was built with")
	cmd.Flags().BoolVar(&insecure, "insecure-registry", false, "allow plain HTTP or unverified TLS for REF's registry")
	return cmd
}

func runVerify(ctx context.Context, pattern, refStr string, adds []string, caBundle string, insecure bool, stdout, stderr io.Writer) error {
	var nameOpts []name.Option
	if insecure {
		nameOpts = append(nameOpts, name.Insecure)
	}
	ref, err := name.ParseReference(refStr, nameOpts...)
	if err != nil {
		return fmt.Errorf("invalid REF %q: want registry/repository:tag or @sha256:...: %v", refStr, err)
	}
	reg := &publish.Registry{}
	if insecure {
		reg.Insecure = []string{ref.Context().RegistryStr()}
	}
	want, recipe, err := fetchRecipe(ctx, ref, reg)
	if err != nil {
		return err
	}
	opts, err := recipe.Options()
	if err != nil {
		return err
	}
	if err := verifyInputs(&opts, recipe, adds, caBundle); err != nil {
		return err
	}
	pkg, err := builder.Resolve(ctx, "", pattern, opts.Tags)
	if err != nil {
		return err
	}
	if pkg.ImportPath != recipe.Package {
		return fmt.Errorf("%s was built from %s, not %s: give that package", refStr, recipe.Package, pkg.ImportPath)
	}
	if v := builder.GoVersion(ctx); recipe.GoVersion != "" && recipe.GoVersion != v {
		fmt.Fprintf(stderr, "note: %s was built with %s; this rebuild uses %s, so digests are expected to differ\n", refStr, recipe.GoVersion, v)
	}
	if opts.Cache, err = openCache(); err != nil {
		return err
	}
	opts.Limit = semaphore.NewWeighted(int64(runtime.NumCPU()))
	opts.Remote = reg.RemoteOptions(ctx)
	res, err := builder.BuildPackage(ctx, opts, pkg)
	if err != nil {
		return err
	}
	return compareDigests(stdout, want, res)
}

// registryDigests are the digests of what a reference points at.
type registryDigests struct {
	top       v1.Hash
	platforms map[string]v1.Hash // "linux/arm64" -> manifest digest
}

func fetchRecipe(ctx context.Context, ref name.Reference, reg *publish.Registry) (*registryDigests, *builder.Recipe, error) {
	desc, err := remote.Get(ref, reg.RemoteOptions(ctx)...)
	if err != nil {
		return nil, nil, fmt.Errorf("fetching %s: %w", ref, err)
	}
	want := &registryDigests{top: desc.Digest, platforms: map[string]v1.Hash{}}
	var annots map[string]string
	if desc.MediaType.IsIndex() {
		idx, err := desc.ImageIndex()
		if err != nil {
			return nil, nil, err
		}
		im, err := idx.IndexManifest()
		if err != nil {
			return nil, nil, err
		}
		annots = im.Annotations
		for _, d := range im.Manifests {
			if d.Platform != nil {
				want.platforms[platformString(d.Platform)] = d.Digest
			}
		}
	} else {
		img, err := desc.Image()
		if err != nil {
			return nil, nil, err
		}
		m, err := img.Manifest()
		if err != nil {
			return nil, nil, err
		}
		cf, err := img.ConfigFile()
		if err != nil {
			return nil, nil, err
		}
		annots = m.Annotations
		want.platforms[platformString(&v1.Platform{OS: cf.OS, Architecture: cf.Architecture, Variant: cf.Variant})] = desc.Digest
	}
	s, ok := annots[builder.AnnotationRecipe]
	if !ok {
		return nil, nil, fmt.Errorf("%s has no %s annotation: it was not built by mingo (or by an older mingo), so there is no recipe to rebuild it from", ref, builder.AnnotationRecipe)
	}
	r, err := builder.ParseRecipe(s)
	return want, r, err
}

func platformString(p *v1.Platform) string {
	s := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	return s
}

// verifyInputs puts back the inputs the recipe names but does not hold.
func verifyInputs(opts *builder.Options, r *builder.Recipe, adds []string, caBundle string) error {
	var paths []string
	for _, spec := range adds {
		local, imagePath, err := layers.ParseAdd(spec)
		if err != nil {
			return err
		}
		opts.Adds = append(opts.Adds, builder.Add{Local: local, ImagePath: imagePath})
		paths = append(paths, imagePath)
	}
	if fmt.Sprint(paths) != fmt.Sprint(r.Adds) {
		return fmt.Errorf("the image was built with files added at %v: give the same --add LOCAL:IMAGEPATH flags (got %v)", r.Adds, paths)
	}
	if r.CABundle == "" && caBundle == "" {
		return nil
	}
	if caBundle == "" {
		return errors.New("the image was built with --ca-bundle: give the same file with --ca-bundle")
	}
	pem, err := os.ReadFile(caBundle)
	if err != nil {
		return fmt.Errorf("--ca-bundle: %w", err)
	}
	opts.Generated.CABundle = pem
	return nil
}

// compareDigests prints one line per platform and fails on any mismatch.
func compareDigests(w io.Writer, want *registryDigests, res *builder.Result) error {
	bad := 0
	for _, pi := range res.Images {
		got, err := pi.Image.Digest()
		if err != nil {
			return err
		}
		key := pi.Platform.String()
		exp, ok := want.platforms[key]
		switch {
		case !ok:
			bad++
			fmt.Fprintf(w, "%-14s MISSING   the registry has no %s image; rebuilt %s\n", key, key, got)
		case exp == got:
			fmt.Fprintf(w, "%-14s match     %s\n", key, got)
		default:
			bad++
			fmt.Fprintf(w, "%-14s MISMATCH  registry %s, rebuilt %s\n", key, exp, got)
		}
	}
	top, err := res.Artifact().Digest()
	if err != nil {
		return err
	}
	if bad > 0 || top != want.top {
		return fmt.Errorf("rebuild does not match: %d of %d platforms differ (registry %s, rebuilt %s)", bad, len(res.Images), want.top, top)
	}
	fmt.Fprintf(w, "%-14s match     %s\n", "all", top)
	return nil
}
