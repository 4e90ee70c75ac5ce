//go:build linux

package interrupt

import (
	"os"
	"syscall"
	"testing"
)

// The pending masks are read bit by bit: SIGINT is bit 1, SIGTERM bit 14
// (signal n is bit n-1); other signals pending do not count, and a mask
// that does not parse counts as pending.
func TestInMasks(t *testing.T) {
	sigs := []os.Signal{os.Interrupt, syscall.SIGTERM}
	for _, tc := range []struct {
		status string
		want   bool
	}{
		{"Name:\tmingo\nSigPnd:\t0000000000000000\nShdPnd:\t0000000000000000\n", false},
		{"SigPnd:\t0000000000000002\nShdPnd:\t0000000000000000\n", true},  // SIGINT, one thread
		{"SigPnd:\t0000000000000000\nShdPnd:\t0000000000004000\n", true},  // SIGTERM, the process
		{"SigPnd:\t0000000000000100\nShdPnd:\t0000000000010000\n", false}, // SIGKILL (bit 8), SIGCHLD (bit 16)
		{"SigPnd:\tzz\n", true},
		{"Name:\tmingo\n", false},
	} {
		if got := inMasks([]byte(tc.status), sigs); got != tc.want {
			t.Errorf("inMasks(%q) = %t, want %t", tc.status, got, tc.want)
		}
	}
}

// A process with no signal pending says so, so it exits without waiting.
func TestPendingNone(t *testing.T) {
	if pending(os.Interrupt, syscall.SIGTERM) {
		t.Fatal("a signal is pending in a test process that was sent none")
	}
}
