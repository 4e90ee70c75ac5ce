package mingo

import (
	"context"
	"slices"

	"github.com/mingo-build/mingo/internal/build"
	"github.com/mingo-build/mingo/sbom"
)

// toolboxes are the toolbox images the debug targets name, each resolved
// once, by reference ("" is DefaultToolbox).
type toolboxes map[string]*build.Toolbox

// openToolboxes resolves the toolbox of every debug target and checks,
// before anything is built, that it offers each platform the target asks
// for (every platform of the base is checked after the build).
func openToolboxes(ctx context.Context, targets []Target, o options) (toolboxes, error) {
	tbs := toolboxes{}
	for _, t := range targets {
		if !t.debug {
			continue
		}
		tb, ok := tbs[t.toolbox]
		if !ok {
			var err error
			if tb, err = build.OpenToolbox(ctx, t.toolbox, o.build.Remote); err != nil {
				return nil, err
			}
			tbs[t.toolbox] = tb
		}
		if err := tb.Check(t.t.Platforms); err != nil {
			return nil, err
		}
	}
	return tbs, nil
}

// withVariants returns images with each debug target's variant right
// after its image.
func (tbs toolboxes) withVariants(ctx context.Context, targets []Target, images []*Image, o options) ([]*Image, error) {
	if len(tbs) == 0 {
		return images, nil
	}
	out := make([]*Image, 0, 2*len(images))
	for i, img := range images {
		out = append(out, img)
		if !targets[i].debug {
			continue
		}
		tb := tbs[targets[i].toolbox]
		v, err := build.DebugVariant(ctx, img, tb, o.build.Cache, targets[i].t.Compression)
		if err != nil {
			return nil, err
		}
		if o.sbom {
			if err := describeToolbox(v, tb, o.described); err != nil {
				return nil, err
			}
		}
		out = append(out, v)
	}
	return out, nil
}

// describeToolbox gives each platform image of the debug variant v its own
// SBOM: the image's, about the variant's digest, with the busybox toolbox
// listed (name, version, license, the diff ID of its layer, its source).
func describeToolbox(v *Image, tb *build.Toolbox, described *sbomInputs) error {
	for i, pi := range v.Images {
		in, ok := described.get(v.ImportPath, pi.Platform.String())
		if !ok {
			continue
		}
		digest, err := pi.Image.Digest()
		if err != nil {
			return err
		}
		ls, err := pi.Image.Layers()
		if err != nil {
			return err
		}
		diffID, err := ls[len(ls)-1].DiffID()
		if err != nil {
			return err
		}
		o := in.o
		o.Image = digest.String()
		o.Components = append(slices.Clone(o.Components), sbom.Component{
			Name: "busybox", Version: tb.Version(pi.Platform), License: "GPL-2.0-only",
			Source: "static busybox from " + tb.Ref(), SHA256: diffID.Hex,
			Comment: "the debug variant's toolbox, in " + build.ToolboxDir,
		})
		if v.Images[i].SBOM, err = sbom.FromBuildInfo(in.bi, o); err != nil {
			return err
		}
	}
	return nil
}
