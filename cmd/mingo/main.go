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
	if s := stop(); s != nil { // it says "mingo: stopped by SIGNAL"
		os.Exit(interrupt.Status(s))
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "mingo: error: %v\n", err)
		os.Exit(1)
	}
}
