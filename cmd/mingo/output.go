package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/mingo-build/mingo/builder"
	"github.com/mingo-build/mingo/publish"
	"github.com/mingo-build/mingo/sign"
)

// buildOutput is what `mingo build` reports: the --json document, and the
// source of the one-line default output.
type buildOutput struct {
	// Package is the Go import path the image was built from.
	Package string `json:"package"`
	// Reference is REPOSITORY@DIGEST of what was pushed for the first tag;
	// empty when nothing was pushed.
	Reference string   `json:"reference,omitempty"`
	Digest    string   `json:"digest"`
	MediaType string   `json:"mediaType"`
	Tags      []string `json:"tags,omitempty"`
	Tarball   string   `json:"tarball,omitempty"`
	OCILayout string   `json:"ociLayout,omitempty"`
	// Size is the compressed size of everything in the artifact: every
	// manifest, config and layer, each blob counted once.
	Size      int64            `json:"size"`
	Platforms []platformOutput `json:"platforms"`
}

type platformOutput struct {
	Platform string `json:"platform"`
	Digest   string `json:"digest"`
	// Size is the compressed size of the image: manifest, config, layers.
	Size       int64 `json:"size"`
	BinarySize int64 `json:"binarySize"`
}

// publishAll writes the local outputs (every image in one tarball or
// layout), then pushes each image; each output is all or nothing.
func publishAll(ctx context.Context, f *buildFlags, targets []*target, reg *publish.Registry, signer *sign.Signer, log *display) ([]*buildOutput, error) {
	outs := make([]*buildOutput, len(targets))
	items := make([]publish.Item, len(targets))
	for i, t := range targets {
		out, err := describe(t.result)
		if err != nil {
			return nil, err
		}
		out.Package = t.pkg.ImportPath
		for _, tag := range t.tags {
			out.Tags = append(out.Tags, tag.String())
		}
		outs[i] = out
		load := loadImage(t.result)
		items[i] = publish.Item{Artifact: t.result.Artifact(), Tags: t.local, Load: load.Image}
		if f.tarball != "" && len(t.result.Images) > 1 {
			log.progress("tarball: docker load gets %s as %s; all %d platforms are in its OCI index", load.Platform, joinTags(t.local), len(t.result.Images))
		}
	}
	if f.tarball != "" {
		if err := publish.WriteTarball(f.tarball, items); err != nil {
			return nil, err
		}
		log.progress("wrote %s", f.tarball)
	}
	if f.sbomDir != "" {
		if err := writeSBOMs(f.sbomDir, targets); err != nil {
			return nil, err
		}
		log.progress("wrote SBOMs to %s", f.sbomDir)
	}
	if f.layout != "" {
		if err := publish.WriteLayout(f.layout, items); err != nil {
			return nil, err
		}
		log.progress("wrote OCI layout %s", f.layout)
	}
	for i, t := range targets {
		outs[i].Tarball, outs[i].OCILayout = f.tarball, f.layout
		if !f.push {
			continue
		}
		hook := attachSBOMs(reg, t.result)
		if signer != nil {
			hook = chain(hook, signHook(signer, t, reg, f.provenance))
		}
		ref, err := reg.Push(ctx, t.result.Artifact(), t.tags, hook)
		if err != nil {
			return nil, err
		}
		outs[i].Reference = ref.String()
	}
	return outs, nil
}

// loadImage picks the image a classic docker load gets: the host's
// platform if it was built, the first one otherwise.
func loadImage(res *builder.Result) builder.PlatformImage {
	for _, pi := range res.Images {
		if pi.Platform.OS == "linux" && pi.Platform.Arch == runtime.GOARCH {
			return pi
		}
	}
	return res.Images[0]
}

func describe(res *builder.Result) (*buildOutput, error) {
	a := res.Artifact()
	d, err := a.Digest()
	if err != nil {
		return nil, err
	}
	out := &buildOutput{Digest: d.String(), MediaType: "application/vnd.oci.image.manifest.v1+json"}
	if res.Index != nil {
		out.MediaType = "application/vnd.oci.image.index.v1+json"
		raw, err := res.Index.RawManifest()
		if err != nil {
			return nil, err
		}
		out.Size = int64(len(raw))
	}
	seen := map[v1.Hash]bool{}
	for _, pi := range res.Images {
		po := platformOutput{Platform: pi.Platform.String(), BinarySize: pi.BinarySize}
		pd, err := pi.Image.Digest()
		if err != nil {
			return nil, err
		}
		po.Digest = pd.String()
		blobs, err := imageBlobs(pi.Image)
		if err != nil {
			return nil, err
		}
		for h, size := range blobs {
			po.Size += size
			if !seen[h] {
				seen[h] = true
				out.Size += size
			}
		}
		out.Platforms = append(out.Platforms, po)
	}
	return out, nil
}

// imageBlobs maps each blob of img (manifest, config, layers) to its size.
func imageBlobs(img v1.Image) (map[v1.Hash]int64, error) {
	m, err := img.Manifest()
	if err != nil {
		return nil, err
	}
	raw, err := img.RawManifest()
	if err != nil {
		return nil, err
	}
	d, err := img.Digest()
	if err != nil {
		return nil, err
	}
	blobs := map[v1.Hash]int64{d: int64(len(raw)), m.Config.Digest: m.Config.Size}
	for _, l := range m.Layers {
		blobs[l.Digest] = l.Size
	}
	return blobs, nil
}

// printResult prints one line per image (REPOSITORY@DIGEST, or the digest
// when nothing was pushed), or with --json one document, an array when the
// command line named several packages.
func printResult(w io.Writer, asJSON, multi bool, outs []*buildOutput) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if multi {
			return enc.Encode(outs)
		}
		return enc.Encode(outs[0])
	}
	for _, out := range outs {
		line := out.Reference
		if line == "" {
			line = out.Digest
		}
		if _, err := fmt.Fprintln(w, line); err != nil {
			return err
		}
	}
	return nil
}

func joinTags(tags []name.Tag) string {
	s := make([]string, len(tags))
	for i, t := range tags {
		s[i] = t.String()
	}
	return strings.Join(s, ", ")
}
