package main

import (
	"fmt"
	"io"
	"sync"
)

// logger writes progress to standard error, one line at a time, safe for
// the concurrent per-platform builds.
type logger struct {
	mu             sync.Mutex
	w              io.Writer
	quiet, verbose bool
}

func newLogger(w io.Writer, quiet, verbose bool) *logger {
	return &logger{w: w, quiet: quiet, verbose: verbose}
}

func (l *logger) progress(format string, args ...any) {
	if !l.quiet {
		l.print(format, args...)
	}
}

func (l *logger) debugf(format string, args ...any) {
	if l.verbose {
		l.print(format, args...)
	}
}

func (l *logger) print(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintf(l.w, format+"\n", args...)
}
