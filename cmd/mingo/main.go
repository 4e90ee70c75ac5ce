// Command mingo builds minimal container images for Go programs, with no
// Docker daemon and no Dockerfile.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRootCommand().ExecuteContext(ctx)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "mingo: error: %v\n", err)
		os.Exit(1)
	}
}
