package publish

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/mingo-build/mingo/internal/atomicfile"
)

// SBOMDir writes every image's SBOMs into Dir as
// NAME_OS_ARCH[_VARIANT].spdx.json, and an index's as NAME_index.spdx.json,
// each file atomically.
type SBOMDir struct {
	Dir string
}

// Publish writes the files; it has no references to return.
func (s *SBOMDir) Publish(_ context.Context, images []*Image) ([]name.Reference, error) {
	if err := os.MkdirAll(s.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("writing SBOMs: %w", err)
	}
	for _, res := range images {
		if res.SBOM != nil {
			file := filepath.Join(s.Dir, res.Binary+"_index.spdx.json")
			if err := atomicfile.WriteFile(file, res.SBOM, 0o644); err != nil {
				return nil, fmt.Errorf("writing SBOMs: %w", err)
			}
		}
		for _, pi := range res.Images {
			if pi.SBOM == nil {
				continue
			}
			file := filepath.Join(s.Dir, res.Binary+"_"+strings.ReplaceAll(pi.Platform.String(), "/", "_")+".spdx.json")
			if err := atomicfile.WriteFile(file, pi.SBOM, 0o644); err != nil {
				return nil, fmt.Errorf("writing SBOMs: %w", err)
			}
		}
	}
	return make([]name.Reference, len(images)), nil
}

// Close does nothing: Publish wrote the files.
func (s *SBOMDir) Close() error { return nil }
