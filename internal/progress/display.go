// Package progress is mingo's terminal display: the status lines of a
// build on standard error (a live block on a terminal, plain lines in CI
// logs, nothing with -q), its messages, and the size report that ends it.
package progress

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

// Display shows progress on standard error: on a terminal, a live block
// with one line per platform (and per push) redrawn in place; otherwise
// plain lines, one per change, for CI logs; nothing with -q. Its methods
// are safe to call from several goroutines.
type Display struct {
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

// New returns a display writing to w: live when w is a terminal (and TERM
// is not "dumb"), silent but for warnings when quiet, with Debugf's
// messages when verbose.
func New(w io.Writer, quiet, verbose bool) *Display {
	d := &Display{w: w, quiet: quiet, verbose: verbose, status: map[string]string{}}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) && os.Getenv("TERM") != "dumb" {
		d.live = true
	}
	return d
}

// Set records key's status. frequent marks byte-counter updates: they are
// throttled on a terminal and not printed at all as plain lines.
func (d *Display) Set(key, status string, frequent bool) {
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

// Upload shows how far a repository's blobs have uploaded (see
// mingo.Run.Upload), at rate bytes per second.
func (d *Display) Upload(repo string, done, total int64, rate float64) {
	d.Set("push "+repo, fmt.Sprintf("uploading %s / %s, %s/s", Bytes(done), Bytes(total), Bytes(int64(rate))), done < total)
}

// Logf prints a message line (above the live block on a terminal), unless
// quiet.
func (d *Display) Logf(format string, args ...any) {
	if !d.quiet {
		d.message(format, args...)
	}
}

// Warnf prints a problem mingo recovered from, prefixed "warning: ", even
// when quiet: a damaged cache is worth knowing about.
func (d *Display) Warnf(format string, args ...any) {
	d.message("warning: "+format, args...)
}

// Debugf prints a message only when verbose.
func (d *Display) Debugf(format string, args ...any) {
	if d.verbose {
		d.message(format, args...)
	}
}

func (d *Display) message(format string, args ...any) {
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

// Finish draws the final state of the live block and leaves it on screen:
// what is printed after it (the size report) is plain lines.
func (d *Display) Finish() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.live && !d.quiet {
		d.redraw()
		d.drawn = 0
		d.live = false
	}
}

func (d *Display) clear() {
	if d.drawn > 0 {
		fmt.Fprintf(d.w, "\x1b[%dA\x1b[J", d.drawn)
		d.drawn = 0
	}
}

func (d *Display) redraw() {
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
