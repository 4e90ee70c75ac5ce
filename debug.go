package mingo

import (
	"context"

	"github.com/mingo-build/mingo/internal/build"
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
		v, err := build.DebugVariant(ctx, img, tbs[targets[i].toolbox], o.build.Cache, targets[i].t.Compression)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}
