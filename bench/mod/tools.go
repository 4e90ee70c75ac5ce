//go:build tools

// Package bench pins the medium program the benchmark builds: crane, from
// go-containerregistry, taken as a module dependency.
package bench

import _ "github.com/google/go-containerregistry/cmd/crane"
