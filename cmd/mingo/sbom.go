package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/mingo-build/mingo/builder"
	"github.com/mingo-build/mingo/platform"
	"github.com/mingo-build/mingo/publish"
	"github.com/mingo-build/mingo/sbom"
)

// sbomFunc returns the builder hook that writes t's SBOMs, or nil with
// --sbom none.
func (f *buildFlags) sbomFunc(t *target) (func(string, *builder.Package, platform.Platform) ([]byte, error), error) {
	switch f.sbom {
	case "none":
		return nil, nil
	case "spdx":
	default:
		return nil, fmt.Errorf("--sbom %q: want spdx or none", f.sbom)
	}
	docName := t.pkg.ImportPath
	if len(t.local) > 0 {
		docName = t.local[0].Context().Name()
	}
	created := t.opts.Created
	if created.IsZero() {
		created = time.Unix(0, 0)
	}
	return func(bin string, _ *builder.Package, p platform.Platform) ([]byte, error) {
		return sbom.FromBinary(bin, sbom.Options{Name: docName, Platform: p.String(), Created: created.UTC(), Tool: "mingo-" + versionNumber()})
	}, nil
}

// attachSBOMs returns the Push hook that attaches each platform image's
// SBOM to it in the registry.
func attachSBOMs(reg *publish.Registry, res *builder.Result) func(context.Context, name.Repository) error {
	return func(ctx context.Context, repo name.Repository) error {
		for _, pi := range res.Images {
			if pi.SBOM == nil {
				continue
			}
			subject, err := describeImage(pi.Image)
			if err != nil {
				return err
			}
			if _, err := reg.Attach(ctx, repo, subject, sbom.MediaType, pi.SBOM); err != nil {
				return fmt.Errorf("attaching the SBOM of %s: %w", pi.Platform, err)
			}
		}
		return nil
	}
}

func describeImage(img v1.Image) (v1.Descriptor, error) {
	d, err := img.Digest()
	if err != nil {
		return v1.Descriptor{}, err
	}
	raw, err := img.RawManifest()
	if err != nil {
		return v1.Descriptor{}, err
	}
	mt, err := img.MediaType()
	return v1.Descriptor{MediaType: mt, Digest: d, Size: int64(len(raw))}, err
}

// writeSBOMs writes every SBOM into dir as NAME_OS_ARCH[_VARIANT].spdx.json,
// each atomically.
func writeSBOMs(dir string, targets []*target) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("--sbom-dir: %w", err)
	}
	for _, t := range targets {
		for _, pi := range t.result.Images {
			if pi.SBOM == nil {
				continue
			}
			file := filepath.Join(dir, t.pkg.Name+"_"+strings.ReplaceAll(pi.Platform.String(), "/", "_")+".spdx.json")
			tmp, err := os.CreateTemp(dir, ".sbom-*")
			if err != nil {
				return fmt.Errorf("--sbom-dir: %w", err)
			}
			_, err = tmp.Write(pi.SBOM)
			if cerr := tmp.Close(); err == nil {
				err = cerr
			}
			if err == nil {
				err = os.Chmod(tmp.Name(), 0o644)
			}
			if err == nil {
				err = os.Rename(tmp.Name(), file)
			}
			if err != nil {
				os.Remove(tmp.Name())
				return fmt.Errorf("--sbom-dir: %w", err)
			}
		}
	}
	return nil
}
