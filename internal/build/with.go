package build

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"

	"github.com/mingo-build/mingo/internal/layers"
	"github.com/mingo-build/mingo/sbom"
)

// WithDir is where the binaries of Target.With go in the image.
const WithDir = "/usr/local/bin"

// withLayers returns a layer for each binary of t.With, compiled into dir
// with the target's own: each checked static, at WithDir/<name>, and
// listed in the SBOM by its layer's digest.
func (s *session) withLayers(ctx context.Context, t *Target, dir string) ([]layerSpec, error) {
	var out []layerSpec
	for _, pkg := range t.With {
		bin := filepath.Join(dir, pkg.Name)
		if err := CheckStatic(bin); err != nil {
			return nil, err
		}
		target := path.Join(WithDir, pkg.Name)
		entry, err := layers.File(bin, target, fs.FileMode(0o755))
		if err != nil {
			return nil, err
		}
		l, err := layers.BuildContext(ctx, s.Cache, []layers.Entry{entry}, layers.Options{ModTime: t.Created, Compression: t.Compression})
		if err != nil {
			return nil, fmt.Errorf("layering %s: %w", pkg.ImportPath, err)
		}
		c := &sbom.Component{Name: pkg.ImportPath, Version: "binary", Source: "go build " + pkg.ImportPath, Comment: target}
		if pkg.ModulePath != "" {
			c.PURL = "pkg:golang/" + pkg.ModulePath
		}
		out = append(out, layerSpec{l, pkg.Name, "mingo build " + pkg.ImportPath, withDiffID(c, l)})
	}
	return out, nil
}
