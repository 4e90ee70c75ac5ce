// Command mingo builds minimal container images for Go programs, with no
// Docker daemon and no Dockerfile.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	ctx, sig := interruptible()
	err := newRootCommand().ExecuteContext(ctx)
	if s := sig(); s != nil {
		// Whatever the error says (context canceled, a killed go build),
		// the cause is the signal; the exit status says which, as a
		// shell's would, also when the run completed anyway (its outputs
		// stay, complete).
		fmt.Fprintf(os.Stderr, "mingo: stopped by %v\n", s)
		os.Exit(signalStatus(s))
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "mingo: error: %v\n", err)
		os.Exit(1)
	}
}

// errInterrupted is the cause of the context a signal cancels.
var errInterrupted = errors.New("interrupted")

// interruptible returns a context cancelled by the first SIGINT or
// SIGTERM, and a func to call once, at the end, that returns that signal
// (nil if none came). A second signal exits at once: the user asked twice.
//
// The final call stops catching the signals, so one that comes after it
// kills the process as the signal's default action does (a shell then
// sees 128+signal too), and waits for the catcher to have seen every
// signal caught before: no signal received before mingo exits is lost.
func interruptible() (context.Context, func() os.Signal) {
	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	first := make(chan os.Signal, 1)
	go func() {
		s, ok := <-sigs
		first <- s // nil when closed without a signal
		if !ok {
			return
		}
		cancel(fmt.Errorf("%w by %v", errInterrupted, s))
		if s, ok = <-sigs; ok {
			fmt.Fprintf(os.Stderr, "mingo: %v again: exiting now\n", s)
			os.Exit(signalStatus(s))
		}
	}()
	return ctx, func() os.Signal {
		signal.Stop(sigs) // no signal is sent on sigs after this
		close(sigs)
		s := <-first
		if s == nil {
			// A signal the kernel has handed to another thread whose
			// handler has not run yet is past Stop's reach: that handler
			// will find it unwanted and kill the process with it. Give it
			// the time to, rather than exit 0 first.
			time.Sleep(exitGrace)
		}
		return s
	}
}

// exitGrace is how long a run that caught no signal waits before exiting,
// for a signal in flight to take effect (see interruptible).
const exitGrace = 10 * time.Millisecond

// signalStatus is 128 plus the signal's number: 130 for SIGINT, 143 for
// SIGTERM.
func signalStatus(s os.Signal) int {
	if n, ok := s.(syscall.Signal); ok {
		return 128 + int(n)
	}
	return 1
}
