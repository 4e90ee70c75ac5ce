package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/mingo-build/mingo"
	"github.com/mingo-build/mingo/config"
	"github.com/mingo-build/mingo/internal/build"
	"github.com/mingo-build/mingo/internal/layers"
	"github.com/mingo-build/mingo/publish"
	"github.com/mingo-build/mingo/verify"
)

func newVerifyCommand() *cobra.Command {
	var adds []string
	var caBundle string
	var insecure bool
	var ldflags string
	cmd := &cobra.Command{
		Use:     "verify PACKAGE IMAGE",
		Short:   "Rebuild PACKAGE as IMAGE was built and check the digests match",
		Long:    helpText("verify.long"),
		Example: helpText("verify.examples"),
		Args:    exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			flags, err := verifyLDFlags(cmd.Context(), args[0], ldflags, cmd.Flags().Changed("ldflags"))
			if err != nil {
				return err
			}
			return runVerify(cmd.Context(), args[0], args[1], adds, caBundle, flags, insecure, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	cmd.Flags().StringVar(&ldflags, "ldflags", "", "the extra linker `FLAGS` the image was built with (the recipe holds only their digest)")
	cmd.Flags().StringArrayVar(&adds, "add", nil, "the `LOCAL:IMAGEPATH` files the image was built with (repeatable)")
	cmd.Flags().StringVar(&caBundle, "ca-bundle", "", "the PEM `FILE` the image was built with")
	cmd.Flags().BoolVar(&insecure, "insecure-registry", false, "allow plain HTTP or unverified TLS for IMAGE's registry (not needed for localhost or 127.0.0.1, which may be plain HTTP)")
	return cmd
}

// runVerify turns the flags into verify options, rebuilds, prints one line
// per platform and adds to the library's errors the flags that fix them.
func runVerify(ctx context.Context, pattern, refStr string, addSpecs []string, caBundle, ldflags string, insecure bool, stdout, stderr io.Writer) error {
	src, reg, err := verifySource(refStr, insecure)
	if err != nil {
		return err
	}
	var files []mingo.File
	for _, spec := range addSpecs {
		local, imagePath, err := layers.ParseAdd(spec)
		if err != nil {
			return err
		}
		files = append(files, mingo.File{Local: local, Path: imagePath})
	}
	opts := []verify.Option{verify.WithRemote(reg.RemoteOptions(ctx)...), verify.WithFiles(files), verify.WithLDFlags(ldflags)}
	if caBundle != "" {
		pem, err := os.ReadFile(caBundle)
		if err != nil {
			return fmt.Errorf("--ca-bundle: %w", err)
		}
		opts = append(opts, verify.WithCABundle(pem))
	}
	rep, err := verify.RebuildFrom(ctx, pattern, src, opts...)
	if err != nil {
		return verifyAdvice(refStr, err)
	}
	if rep.WantGo != "" && rep.WantGo != rep.GotGo {
		fmt.Fprintf(stderr, "note: %s was built with %s; this rebuild uses %s, so digests are expected to differ\n", refStr, rep.WantGo, rep.GotGo)
	}
	return printVerify(stdout, rep)
}

// verifySource is verify's IMAGE argument (see verify.ParseSource), and
// the registry settings that reach it.
func verifySource(arg string, insecure bool) (verify.Source, *publish.Registry, error) {
	src, ref, err := verify.ParseSource(arg, insecure)
	var refErr *verify.ReferenceError
	switch {
	case errors.As(err, &refErr):
		return nil, nil, fmt.Errorf("invalid IMAGE %v", err)
	case errors.Is(err, verify.ErrNoLayoutFile):
		return nil, nil, fmt.Errorf("IMAGE %v: give an --oci-layout directory", err)
	case err != nil:
		return nil, nil, fmt.Errorf("IMAGE %w", err)
	}
	reg := &publish.Registry{}
	if insecure && ref != nil {
		reg.Insecure = []string{ref.Context().RegistryStr()}
	}
	return src, reg, nil
}

// verifyAdvice adds to a verify error what to do about it, naming the
// flag that fixes it.
func verifyAdvice(refStr string, err error) error {
	var pkgErr *verify.PackageMismatchError
	var addsErr *verify.AddsMismatchError
	var caErr *verify.CABundleMismatchError
	var ldErr *verify.LDFlagsMismatchError
	switch {
	case errors.Is(err, verify.ErrNoRecipe):
		return fmt.Errorf("%s has no %s annotation: it was not built by mingo (or by an older mingo), so there is no recipe to rebuild it from", refStr, build.AnnotationRecipe)
	case errors.As(err, &pkgErr):
		return fmt.Errorf("%s was built from %s, not %s: give that package", refStr, pkgErr.Want, pkgErr.Got)
	case errors.As(err, &addsErr):
		return fmt.Errorf("the image was built with files added at %v: give the same --add LOCAL:IMAGEPATH flags (got %v)", addsErr.Want, addsErr.Got)
	case errors.Is(err, verify.ErrCABundleNeeded):
		return errors.New("the image was built with --ca-bundle: give the same file with --ca-bundle")
	case errors.As(err, &caErr) && caErr.Want == "":
		return fmt.Errorf("%w: drop --ca-bundle", err)
	case errors.As(err, &caErr):
		return fmt.Errorf("%w: give the file the image was built with to --ca-bundle", err)
	case errors.As(err, &ldErr) && ldErr.Want == "":
		return fmt.Errorf("%w: drop --ldflags (or the image's ldflags in mingo.yaml)", err)
	case errors.As(err, &ldErr):
		return fmt.Errorf("%w: give the --ldflags the image was built with (mingo keeps only their digest, so that no secret is published)", err)
	}
	return advise(err) // registry and build errors, as mingo build words them
}

// printVerify prints one line per platform and fails on any mismatch.
func printVerify(w io.Writer, rep *verify.Report) error {
	bad := 0
	for _, p := range rep.Platforms {
		key := p.Platform.String()
		switch p.Status {
		case verify.Missing:
			bad++
			fmt.Fprintf(w, "%-14s MISSING   the registry has no %s image; rebuilt %s\n", key, key, p.Got)
		case verify.Match:
			fmt.Fprintf(w, "%-14s match     %s\n", key, p.Got)
		default:
			bad++
			fmt.Fprintf(w, "%-14s MISMATCH  registry %s, rebuilt %s\n", key, p.Want, p.Got)
			for _, d := range p.Differences {
				fmt.Fprintf(w, "%-14s   %s\n", "", d)
			}
		}
	}
	for _, d := range rep.Differences {
		fmt.Fprintf(w, "%-14s MISMATCH  %s\n", "index", d)
	}
	if !rep.OK() {
		return fmt.Errorf("rebuild does not match: %d of %d platforms differ (registry %s, rebuilt %s)", bad, len(rep.Platforms), rep.Want, rep.Got)
	}
	fmt.Fprintf(w, "%-14s match     %s\n", "all", rep.Got)
	return nil
}

// verifyLDFlags returns the ldflags to verify with: --ldflags when given,
// else those of the mingo.yaml image whose package is pattern, expanded as
// mingo build expands them.
func verifyLDFlags(ctx context.Context, pattern, ldflags string, given bool) (string, error) {
	if given {
		out, err := config.Expand(ldflags, config.LazyVars(ctx, ""))
		if err != nil {
			return "", fmt.Errorf("--ldflags: %w", err)
		}
		return out, nil
	}
	cfg, err := mingo.LoadConfig(ctx, "", config.Overlay{})
	if err != nil {
		return "", advise(err)
	}
	for _, s := range cfg.Specs {
		if cfg.Path != "" && filepath.Clean(s.Packages[0]) == filepath.Clean(pattern) {
			return s.LDFlags, nil
		}
	}
	return "", nil
}
