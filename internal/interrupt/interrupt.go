// Package interrupt turns SIGINT and SIGTERM into the cancellation of a
// context, for a command that stops its work cleanly on the first signal,
// exits at once on the second, and exits with the status a shell expects
// of a process a signal stopped.
package interrupt

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// ErrInterrupted is the cause of the context a signal cancels: its
// context.Cause wraps it, naming the signal.
var ErrInterrupted = errors.New("interrupted")

// Catch returns a context cancelled by the first SIGINT or SIGTERM, and a
// func to call once, at the end, that returns that signal (nil if none
// came) after telling stderr "PROG: stopped by SIGNAL": whatever error the
// run ended with (context canceled, a killed child), the cause is the
// signal, and the caller exits with Status, as a shell would, also when
// the run completed anyway. A second signal exits at once, with Status,
// after telling stderr "PROG: SIGNAL again: exiting now": the user asked
// twice.
//
// The final call stops catching the signals, so one that comes after it
// kills the process as the signal's default action does (a shell then
// sees 128+signal too), and waits for the catcher to have seen every
// signal caught before: no signal received before the program exits is
// lost.
func Catch(prog string) (context.Context, func() os.Signal) {
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
		cancel(fmt.Errorf("%w by %v", ErrInterrupted, s))
		if s, ok = <-sigs; ok {
			fmt.Fprintf(os.Stderr, "%s: %v again: exiting now\n", prog, s)
			os.Exit(Status(s))
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
			settle(signalsInFlight, time.Sleep)
		} else {
			fmt.Fprintf(os.Stderr, "%s: stopped by %v\n", prog, s)
		}
		return s
	}
}

// exitGrace is how long a run that caught no signal waits before exiting
// when a signal may be in flight (see Catch); handlerGrace is how long a
// handler needs once its thread has taken the signal.
const (
	exitGrace    = 10 * time.Millisecond
	handlerGrace = time.Millisecond
)

// settle returns once a SIGINT or SIGTERM in flight has had the time to
// take effect. Where the process sees its pending signals (Linux) and
// none is, that is handlerGrace, for a handler already running: the 10 ms
// every run waited before were a sixtieth of a build that finds nothing
// to do. When one is pending, or pending signals cannot be read, it waits
// exitGrace: the handler kills the process meanwhile. Signals sent to one
// thread (tgkill) are not seen; kill, a terminal's Ctrl-C, systemd and
// container engines signal the process.
func settle(inFlight func() (bool, error), sleep func(time.Duration)) {
	sleep(handlerGrace)
	if pending, err := inFlight(); err == nil && !pending {
		return
	}
	sleep(exitGrace - handlerGrace)
}

// signalsInFlight reports whether SIGINT or SIGTERM is pending for this
// process.
func signalsInFlight() (bool, error) {
	return pending("/proc/self/status", syscall.SIGINT, syscall.SIGTERM)
}

// Status is the exit status of a process a signal stopped: 128 plus the
// signal's number, 130 for SIGINT, 143 for SIGTERM (1 for a signal with
// no number).
func Status(s os.Signal) int {
	if n, ok := s.(syscall.Signal); ok {
		return 128 + int(n)
	}
	return 1
}
