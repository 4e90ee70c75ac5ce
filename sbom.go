package mingo

import (
	"fmt"
	"time"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/mingo-build/mingo/internal/build"
	"github.com/mingo-build/mingo/sbom"
)

// sbomFunc describes a platform image, its binary and the layers mingo
// generated, in an SPDX document named after the image.
func sbomFunc(version string) func(build.SBOMInput) ([]byte, error) {
	return func(in build.SBOMInput) ([]byte, error) {
		return sbom.FromBinary(in.Binary, sbom.Options{
			Name: docName(in.Target.Package.ImportPath, in.Target.Names), Platform: in.Platform.String(),
			Created: created(in.Target.Created), Tool: "mingo-" + version,
			Image: in.Image.String(), Components: in.Components,
		})
	}
}

// docName is the name of an image's SBOM: its repository, or the import
// path of an image with no name.
func docName(importPath string, names []name.Tag) string {
	if len(names) > 0 {
		return names[0].Context().Name()
	}
	return importPath
}

func created(t time.Time) time.Time {
	if t.IsZero() {
		return time.Unix(0, 0).UTC()
	}
	return t.UTC()
}

// indexSBOMs gives every index its SPDX document, which describes the
// index and, by digest, each platform image with its packages.
func indexSBOMs(images []*Image, version string) error {
	for _, img := range images {
		if img.Index == nil {
			continue
		}
		d, err := img.Index.Digest()
		if err != nil {
			return err
		}
		o := sbom.IndexOptions{Name: docName(img.ImportPath, img.Names), Digest: d.String(), Created: created(img.Created), Tool: "mingo-" + version}
		for _, pi := range img.Images {
			pd, err := pi.Image.Digest()
			if err != nil {
				return err
			}
			o.Images = append(o.Images, sbom.IndexImage{Platform: pi.Platform.String(), Digest: pd.String(), SBOM: pi.SBOM})
		}
		if img.SBOM, err = sbom.ForIndex(o); err != nil {
			return fmt.Errorf("writing the SBOM of the index: %w", err)
		}
	}
	return nil
}
