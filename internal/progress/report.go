package progress

import (
	"fmt"
	"strings"

	"github.com/mingo-build/mingo"
	"github.com/mingo-build/mingo/publish"
)

// Key names a platform's line in the display: "linux/amd64", or
// "api linux/amd64" when several packages are built (multi).
func Key(e mingo.Event, multi bool) string {
	if multi {
		return e.Binary + " " + e.Platform.String()
	}
	return e.Platform.String()
}

// Status is the line's text for the stage e reports: compiling, layering
// (saying when the binary came from the cache repository), built.
func Status(e mingo.Event) string {
	switch e.Stage {
	case mingo.Compiling:
		return "compiling " + e.Package
	case mingo.Layering:
		if e.Cached {
			return fmt.Sprintf("layering (binary %s, from the cache repository)", Bytes(e.BinarySize))
		}
		return fmt.Sprintf("layering (binary %s)", Bytes(e.BinarySize))
	default:
		return fmt.Sprintf("built, %s compressed", Bytes(e.ImageSize))
	}
}

// SizeReport shows where the bytes are, as Logf lines: per platform, the
// binary and each compressed layer, and the compressed total.
func (d *Display) SizeReport(images []*mingo.Image, multi bool) {
	d.Logf("sizes (compressed):")
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
				parts = append(parts, l.Name+" "+Bytes(l.Size))
				rest -= l.Size
			}
			parts = append(parts, "config+manifest "+Bytes(rest))
			d.Logf("  %-*s %9s = %s (binary %s uncompressed)", width, reportKey(img, pi, multi), Bytes(pi.Size), strings.Join(parts, " + "), Bytes(pi.BinarySize))
		}
	}
}

func reportKey(img *mingo.Image, pi publish.PlatformImage, multi bool) string {
	if multi {
		return img.Binary + " " + pi.Platform.String()
	}
	return pi.Platform.String()
}
