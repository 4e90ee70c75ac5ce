package build

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"

	"github.com/mingo-build/mingo/internal/layers"
)

// DebugSuffix is appended to every tag and name of a debug variant.
const DebugSuffix = "-debug"

// DebugVariant returns res's debug variant: each platform image with the
// toolbox layer on top and PATH extended with ToolboxDir, everything else
// (layers, entrypoint, user, environment, working directory, annotations)
// the production image's; named like res with DebugSuffix after each tag.
// res itself is not changed.
func DebugVariant(ctx context.Context, res *Result, tb *Toolbox, c *layers.Cache, comp layers.Compression) (*Result, error) {
	v := *res
	v.Variant, v.Index, v.SBOM = "debug", nil, nil
	v.Tags, v.Names = debugTags(res.Tags), debugTags(res.Names)
	v.Images = make([]PlatformImage, len(res.Images))
	for i, pi := range res.Images {
		l, err := tb.Layer(ctx, c, pi.Platform, comp)
		if err != nil {
			return nil, err
		}
		if v.Images[i], err = withToolbox(pi, l, res, tb.Ref()); err != nil {
			return nil, fmt.Errorf("debug variant of %s for %s: %w", res.ImportPath, pi.Platform, err)
		}
	}
	if res.Index != nil {
		im, err := res.Index.IndexManifest()
		if err != nil {
			return nil, err
		}
		v.Index = newIndex(v.Images, im.Annotations)
	}
	return &v, nil
}

// withToolbox is pi with the toolbox layer l on top.
func withToolbox(pi PlatformImage, l v1.Layer, res *Result, source string) (PlatformImage, error) {
	mt, err := l.MediaType()
	if err != nil {
		return pi, err
	}
	img, err := mutate.Append(pi.Image, mutate.Addendum{Layer: l, MediaType: mt,
		History: v1.History{Created: v1.Time{Time: res.Created}, CreatedBy: "mingo: busybox toolbox from " + source, Comment: "toolbox"}})
	if err != nil {
		return pi, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return pi, err
	}
	cfg := *cf.Config.DeepCopy()
	cfg.Env = withPath(cfg.Env)
	if img, err = mutate.Config(img, cfg); err != nil {
		return pi, err
	}
	infos, total, err := layerInfos(img, len(pi.Layers)+1)
	if err != nil {
		return pi, err
	}
	copy(infos, pi.Layers)
	return PlatformImage{Platform: pi.Platform, Image: img, BinarySize: pi.BinarySize, Size: total, Layers: infos, SBOM: pi.SBOM}, nil
}

// withPath extends the PATH of env with ToolboxDir (defaultPath when env
// has none).
func withPath(env []string) []string {
	out := append([]string(nil), env...)
	for i, kv := range out {
		if p, ok := strings.CutPrefix(kv, "PATH="); ok {
			out[i] = "PATH=" + p + ":" + ToolboxDir
			return out
		}
	}
	return append(out, "PATH="+defaultPath+":"+ToolboxDir)
}

// debugTags are tags with DebugSuffix after each tag.
func debugTags(tags []name.Tag) []name.Tag {
	out := make([]name.Tag, len(tags))
	for i, t := range tags {
		out[i] = t.Context().Tag(t.TagStr() + DebugSuffix)
	}
	return out
}
