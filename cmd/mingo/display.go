package main

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"
)

// display shows progress on standard error: on a terminal, a live block
// with one line per platform (and per push) redrawn in place; otherwise
// plain lines, one per change, for CI logs; nothing with -q.
type display struct {
	mu      sync.Mutex
	w       io.Writer
	live    bool
	quiet   bool
	verbose bool
	keys    []string          // line order
	status  map[string]string // key -> current status
	drawn   int               // lines of the live block on screen
	last    time.Time         // last redraw, to throttle byte counters
}

func newDisplay(w io.Writer, quiet, verbose bool) *display {
	d := &display{w: w, quiet: quiet, verbose: verbose, status: map[string]string{}}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) && os.Getenv("TERM") != "dumb" {
		d.live = true
	}
	return d
}

// set records key's status. frequent marks byte-counter updates: they are
// throttled on a terminal and not printed at all as plain lines.
func (d *display) set(key, status string, frequent bool) {
	if d.quiet {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.status[key]; !ok {
		d.keys = append(d.keys, key)
		slices.Sort(d.keys) // a stable block, whichever platform starts first
	}
	if d.status[key] == status {
		return
	}
	d.status[key] = status
	if !d.live {
		if !frequent {
			fmt.Fprintf(d.w, "%s: %s\n", key, status)
		}
		return
	}
	if frequent && time.Since(d.last) < 100*time.Millisecond {
		return
	}
	d.redraw()
}

// progress prints a message line (above the live block on a terminal).
func (d *display) progress(format string, args ...any) {
	if !d.quiet {
		d.message(format, args...)
	}
}

// warnf prints a problem mingo recovered from, even with -q: a damaged
// cache is worth knowing about.
func (d *display) warnf(format string, args ...any) {
	d.message("warning: "+format, args...)
}

// debugf prints a message only with -v.
func (d *display) debugf(format string, args ...any) {
	if d.verbose {
		d.message(format, args...)
	}
}

func (d *display) message(format string, args ...any) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.live {
		d.clear()
	}
	fmt.Fprintf(d.w, format+"\n", args...)
	if d.live {
		d.redraw()
	}
}

// finish draws the final state of the live block and leaves it on screen.
func (d *display) finish() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.live && !d.quiet {
		d.redraw()
		d.drawn = 0
		d.live = false // what follows (the size report) is plain lines
	}
}

func (d *display) clear() {
	if d.drawn > 0 {
		fmt.Fprintf(d.w, "\x1b[%dA\x1b[J", d.drawn)
		d.drawn = 0
	}
}

func (d *display) redraw() {
	d.clear()
	width := 0
	for _, k := range d.keys {
		width = max(width, len(k))
	}
	var b strings.Builder
	for _, k := range d.keys {
		fmt.Fprintf(&b, "%-*s  %s\n", width, k, d.status[k])
	}
	io.WriteString(d.w, b.String())
	d.drawn = len(d.keys)
	d.last = time.Now()
}

// humanBytes formats n in binary units, as registries and docker show sizes.
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
