//go:build !unix

package layers

import "os"

// Without flock, a trim cannot see concurrent runs: it relies on the
// modification times alone.
func lockShared(*os.File) error { return nil }

func lockExclusive(*os.File, bool) error { return nil }
