package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/mingo-build/mingo"
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
	// Debug is the image's debug variant, with --debug.
	Debug *buildOutput `json:"debug,omitempty"`
}

type platformOutput struct {
	Platform string `json:"platform"`
	Digest   string `json:"digest"`
	// Size is the compressed size of the image: manifest, config, layers.
	Size       int64 `json:"size"`
	BinarySize int64 `json:"binarySize"`
}

func describe(res *mingo.Image) (*buildOutput, error) {
	a := res.Artifact()
	tags := make([]string, len(res.Tags))
	for i, t := range res.Tags {
		tags[i] = t.String()
	}
	d, err := a.Digest()
	if err != nil {
		return nil, err
	}
	out := &buildOutput{Package: res.ImportPath, Tags: tags, Digest: d.String(), MediaType: "application/vnd.oci.image.manifest.v1+json"}
	if res.Index != nil {
		out.MediaType = "application/vnd.oci.image.index.v1+json"
	}
	if out.Size, err = res.Size(); err != nil {
		return nil, err
	}
	for _, pi := range res.Images {
		pd, err := pi.Image.Digest()
		if err != nil {
			return nil, err
		}
		out.Platforms = append(out.Platforms, platformOutput{Platform: pi.Platform.String(), Digest: pd.String(), Size: pi.Size, BinarySize: pi.BinarySize})
	}
	return out, nil
}

// printResult prints one line per image (REPOSITORY@DIGEST, or the digest
// when nothing was pushed), its debug variant's on the next line, or with
// --json one document, an array when the command line named several
// packages.
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
		for o := out; o != nil; o = o.Debug {
			if _, err := fmt.Fprintln(w, o.line()); err != nil {
				return err
			}
		}
	}
	return nil
}

// line is the output's line: REPOSITORY@DIGEST, or the digest when nothing
// was pushed.
func (o *buildOutput) line() string {
	if o.Reference != "" {
		return o.Reference
	}
	return o.Digest
}
