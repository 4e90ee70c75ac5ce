//go:build !unix

package build

import "os"

// lockFile is a no-op where flock does not exist; concurrent mingo runs for
// the same package and platform may then race on the binary.
func lockFile(*os.File, func()) error { return nil }
