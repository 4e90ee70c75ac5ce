package main

import (
	"fmt"
	"strings"

	"github.com/mingo-build/mingo"
	"github.com/mingo-build/mingo/publish"
)

// platformKey names a platform's line in the display: "linux/amd64", or
// "api linux/amd64" when several packages are built.
func platformKey(e mingo.Event, multi bool) string {
	if multi {
		return e.Binary + " " + e.Platform.String()
	}
	return e.Platform.String()
}

func stageStatus(e mingo.Event) string {
	switch e.Stage {
	case mingo.Compiling:
		return "compiling " + e.Package
	case mingo.Layering:
		if e.Cached {
			return fmt.Sprintf("layering (binary %s, from the cache repository)", humanBytes(e.BinarySize))
		}
		return fmt.Sprintf("layering (binary %s)", humanBytes(e.BinarySize))
	default:
		return fmt.Sprintf("built, %s compressed", humanBytes(e.ImageSize))
	}
}

// sizeReport shows where the bytes are: per platform, the binary and each
// compressed layer, and the compressed total.
func sizeReport(d *display, images []*mingo.Image, multi bool) {
	d.progress("sizes (compressed):")
	width := 0
	for _, img := range images {
		for _, pi := range img.Images {
			width = max(width, len(reportKey(img, pi, multi)))
		}
	}
	for _, img := range images {
		for _, pi := range img.Images {
			// The total is the image's size as the progress line gives it:
			// layers, config and manifest, what a pull downloads.
			var parts []string
			rest := pi.Size
			for _, l := range pi.Layers {
				parts = append(parts, l.Name+" "+humanBytes(l.Size))
				rest -= l.Size
			}
			parts = append(parts, "config+manifest "+humanBytes(rest))
			d.progress("  %-*s %9s = %s (binary %s uncompressed)", width, reportKey(img, pi, multi), humanBytes(pi.Size), strings.Join(parts, " + "), humanBytes(pi.BinarySize))
		}
	}
}

func reportKey(img *mingo.Image, pi publish.PlatformImage, multi bool) string {
	if multi {
		return img.Binary + " " + pi.Platform.String()
	}
	return pi.Platform.String()
}
