package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/mingo-build/mingo/builder"
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

func describe(res *builder.Result) (*buildOutput, error) {
	a := res.Artifact()
	tags := make([]string, len(res.Tags))
	for i, t := range res.Tags {
		tags[i] = t.String()
	}
	d, err := a.Digest()
	if err != nil {
		return nil, err
	}
	out := &buildOutput{Package: res.Package.ImportPath, Tags: tags, Digest: d.String(), MediaType: "application/vnd.oci.image.manifest.v1+json"}
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
