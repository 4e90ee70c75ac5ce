package mingo

import (
	"debug/buildinfo"
	"fmt"
	"runtime/debug"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/mingo-build/mingo/internal/build"
	"github.com/mingo-build/mingo/sbom"
)

// sbomFunc describes a platform image, its binary and the layers mingo
// generated, in an SPDX document named after the image. It keeps what it
// read in described, so that a debug variant's document can add its
// toolbox.
func sbomFunc(version string, described *sbomInputs) func(build.SBOMInput) ([]byte, error) {
	return func(in build.SBOMInput) ([]byte, error) {
		bi, err := buildinfo.ReadFile(in.Binary)
		if err != nil {
			return nil, fmt.Errorf("sbom: no Go build info in %s (is it a Go binary built in module mode?): %w", in.Binary, err)
		}
		o := sbom.Options{
			Name: docName(in.Target.Package.ImportPath, in.Target.Names), Platform: in.Platform.String(),
			Created: created(in.Target.Created), Tool: "mingo-" + version,
			Image: in.Image.String(), Components: in.Components,
		}
		described.put(in.Target.Package.ImportPath, in.Platform.String(), sbomInput{bi, o})
		return sbom.FromBuildInfo(bi, o)
	}
}

// sbomInput is what a platform image's SBOM was made from.
type sbomInput struct {
	bi *debug.BuildInfo
	o  sbom.Options
}

// sbomInputs are the SBOM inputs of a build, by package and platform.
type sbomInputs struct {
	mu sync.Mutex
	m  map[string]sbomInput
}

func (s *sbomInputs) put(pkg, plat string, in sbomInput) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]sbomInput{}
	}
	s.m[pkg+" "+plat] = in
}

func (s *sbomInputs) get(pkg, plat string) (sbomInput, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	in, ok := s.m[pkg+" "+plat]
	return in, ok
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
