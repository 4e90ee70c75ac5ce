// Command mingo builds minimal container images for Go programs, with no
// Docker daemon and no Dockerfile.
package main

import (
	"fmt"
	"os"

	"github.com/mingo-build/mingo/internal/interrupt"
)

func main() {
	ctx, stop := interrupt.Catch("mingo")
	err := newRootCommand().ExecuteContext(ctx)
	if s := stop(); s != nil {
		// Whatever the error says (context canceled, a killed go build),
		// the cause is the signal; the exit status says which, as a
		// shell's would, also when the run completed anyway (its outputs
		// stay, complete).
		fmt.Fprintf(os.Stderr, "mingo: stopped by %v\n", s)
		os.Exit(interrupt.Status(s))
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "mingo: error: %v\n", err)
		os.Exit(1)
	}
}
