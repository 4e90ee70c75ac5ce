// Package trace says where a build's time goes: with MINGO_TRACE set (to
// anything but "" or "0"), each phase prints its wall time to standard
// error as it ends, with its offset from the start of the process, so that
// overlapping phases (one platform compiling while another layers) show
// as they ran. Without it a phase costs a clock read.
package trace

import (
	"fmt"
	"os"
	"sync"
	"time"
)

var (
	on    = os.Getenv("MINGO_TRACE") != "" && os.Getenv("MINGO_TRACE") != "0"
	start = time.Now()
	mu    sync.Mutex
)

// On reports whether phases are printed.
func On() bool { return on }

// Phase starts the phase what (such as "compile linux/amd64") and returns
// the function that ends it and prints its time.
func Phase(what string) func() {
	if !on {
		return func() {}
	}
	t0 := time.Now()
	return func() {
		d := time.Since(t0)
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(os.Stderr, "mingo trace: %-40s %7.3fs  (%.3f-%.3fs)\n", what, d.Seconds(),
			t0.Sub(start).Seconds(), t0.Add(d).Sub(start).Seconds())
	}
}
