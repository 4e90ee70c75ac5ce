package mingo

import "github.com/google/go-containerregistry/pkg/name"

// Summary describes a built image as `mingo build --json` prints it: what
// a program reads to find the digest it deploys and where the image went.
type Summary struct {
	// Package is the Go import path the image was built from.
	Package string `json:"package"`
	// Reference is REPOSITORY@DIGEST of what was pushed for the first tag;
	// empty when nothing was pushed.
	Reference string `json:"reference,omitempty"`
	// Digest is the digest of the image's manifest, or of its index when
	// it has several platforms.
	Digest string `json:"digest"`
	// MediaType is the OCI media type of that manifest or index.
	MediaType string `json:"mediaType"`
	// Tags are the names the image was given.
	Tags []string `json:"tags,omitempty"`
	// Tarball and OCILayout are where the image was written, when it was
	// (Summarize leaves them to the caller, which chose the outputs).
	Tarball   string `json:"tarball,omitempty"`
	OCILayout string `json:"ociLayout,omitempty"`
	// Size is the compressed size of everything in the artifact: every
	// manifest, config and layer, each blob counted once.
	Size int64 `json:"size"`
	// Platforms describes each platform's image, in the image's order.
	Platforms []PlatformSummary `json:"platforms"`
	// Debug is the image's debug variant, when one was built (the caller
	// nests it: see Image.Variant).
	Debug *Summary `json:"debug,omitempty"`
}

// PlatformSummary describes one platform's image of a Summary.
type PlatformSummary struct {
	// Platform is os/arch[/variant], as --platform takes it.
	Platform string `json:"platform"`
	// Digest is the digest of the platform's image manifest.
	Digest string `json:"digest"`
	// Size is the compressed size of the image: manifest, config, layers.
	Size int64 `json:"size"`
	// BinarySize is the uncompressed size of the Go binary.
	BinarySize int64 `json:"binarySize"`
}

// Summarize describes img; ref, when not nil, is where it was pushed (as
// Publish returns it) and becomes the summary's Reference.
func Summarize(img *Image, ref name.Reference) (*Summary, error) {
	d, err := img.Artifact().Digest()
	if err != nil {
		return nil, err
	}
	tags := make([]string, len(img.Tags))
	for i, t := range img.Tags {
		tags[i] = t.String()
	}
	s := &Summary{Package: img.ImportPath, Tags: tags, Digest: d.String(), MediaType: "application/vnd.oci.image.manifest.v1+json"}
	if img.Index != nil {
		s.MediaType = "application/vnd.oci.image.index.v1+json"
	}
	if ref != nil {
		s.Reference = ref.String()
	}
	if s.Size, err = img.Size(); err != nil {
		return nil, err
	}
	for _, pi := range img.Images {
		pd, err := pi.Image.Digest()
		if err != nil {
			return nil, err
		}
		s.Platforms = append(s.Platforms, PlatformSummary{Platform: pi.Platform.String(), Digest: pd.String(), Size: pi.Size, BinarySize: pi.BinarySize})
	}
	return s, nil
}

// SummarizeAll describes what Build returned, as `mingo build --json`
// does: refs are Publish's references (a nil one for an image not
// pushed; nil when nothing was published), and a debug variant becomes the Debug of the image it follows
// instead of a summary of its own.
func SummarizeAll(images []*Image, refs []name.Reference) ([]*Summary, error) {
	var out []*Summary
	for i, img := range images {
		var ref name.Reference
		if i < len(refs) {
			ref = refs[i]
		}
		s, err := Summarize(img, ref)
		if err != nil {
			return nil, err
		}
		if img.Variant == "debug" && len(out) > 0 {
			out[len(out)-1].Debug = s
			continue
		}
		out = append(out, s)
	}
	return out, nil
}
