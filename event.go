package mingo

import (
	"github.com/mingo-build/mingo/internal/build"
	"github.com/mingo-build/mingo/platform"
)

// Stage is a step of one platform's build.
type Stage int

// The stages a platform goes through, in order.
const (
	Compiling Stage = Stage(build.Compiling)
	Layering  Stage = Stage(build.Layering)
	Built     Stage = Stage(build.Built)
)

// Event reports that a platform of a package reached a stage (see
// WithProgress).
type Event struct {
	// Package is the import path, Binary the binary's name.
	Package, Binary string
	Platform        platform.Platform
	Stage           Stage
	// BinarySize is set from Layering on; ImageSize (compressed) on Built.
	BinarySize, ImageSize int64
	// Cached is set from Layering on when the binary came from the cache
	// repository instead of go build.
	Cached bool
}

func eventOf(e build.Event) Event {
	return Event{Package: e.Package, Binary: e.Name, Platform: e.Platform, Stage: Stage(e.Stage),
		BinarySize: e.BinarySize, ImageSize: e.ImageSize, Cached: e.Cached}
}
