//go:build unix

package interrupt

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestStatus(t *testing.T) {
	for _, tc := range []struct {
		s    os.Signal
		want int
	}{
		{syscall.SIGINT, 130},
		{syscall.SIGTERM, 143},
		{fakeSignal{}, 1},
	} {
		if got := Status(tc.s); got != tc.want {
			t.Errorf("Status(%v) = %d, want %d", tc.s, got, tc.want)
		}
	}
}

type fakeSignal struct{}

func (fakeSignal) String() string { return "fake" }
func (fakeSignal) Signal()        {}

func TestCatchNoSignal(t *testing.T) {
	ctx, stop := Catch("prog")
	if s := stop(); s != nil {
		t.Errorf("stop() = %v, want nil", s)
	}
	if ctx.Err() != nil {
		t.Errorf("context cancelled with no signal: %v", context.Cause(ctx))
	}
}

func TestCatchFirstSignal(t *testing.T) {
	ctx, stop := Catch("prog")
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("context not cancelled by SIGTERM")
	}
	cause := context.Cause(ctx)
	if !errors.Is(cause, ErrInterrupted) || cause.Error() != "interrupted by terminated" {
		t.Errorf("cause = %v, want ErrInterrupted by terminated", cause)
	}
	if s := stop(); s != syscall.SIGTERM {
		t.Errorf("stop() = %v, want SIGTERM", s)
	}
}

// The end of a run a signal stopped says so; run in a child process, for
// its stderr.
func TestCatchStoppedBy(t *testing.T) {
	if os.Getenv("INTERRUPT_TEST_CHILD") == "stopped" {
		ctx, stop := Catch("prog")
		syscall.Kill(os.Getpid(), syscall.SIGINT)
		<-ctx.Done()
		os.Exit(Status(stop()))
	}
	stderr, code := child(t, "TestCatchStoppedBy", "stopped")
	if want := "prog: stopped by interrupt\n"; code != 130 || stderr != want {
		t.Errorf("child: exit status %d, stderr %q; want 130, %q", code, stderr, want)
	}
}

// child runs the test named in a child process with INTERRUPT_TEST_CHILD
// set to mode, returning its stderr and exit status.
func child(t *testing.T, test, mode string) (string, int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^"+test+"$")
	cmd.Env = append(os.Environ(), "INTERRUPT_TEST_CHILD="+mode)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err := cmd.Run()
	if ee, ok := errors.AsType[*exec.ExitError](err); ok {
		return stderr.String(), ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return stderr.String(), 0
}

// A second signal exits at once with 128+signal, saying so; run in a
// child process, since it exits.
func TestCatchSecondSignalExits(t *testing.T) {
	if os.Getenv("INTERRUPT_TEST_CHILD") == "again" {
		ctx, _ := Catch("prog")
		syscall.Kill(os.Getpid(), syscall.SIGTERM)
		<-ctx.Done()
		syscall.Kill(os.Getpid(), syscall.SIGINT)
		time.Sleep(10 * time.Second)
		os.Exit(0)
	}
	stderr, code := child(t, "TestCatchSecondSignalExits", "again")
	if want := "prog: interrupt again: exiting now\n"; code != 130 || stderr != want {
		t.Errorf("child: exit status %d, stderr %q; want 130, %q", code, stderr, want)
	}
}

// settle waits for a running handler only when no signal is pending, and
// the whole grace when one is (its handler may have taken it a moment
// ago) or when pending signals cannot be read.
func TestSettle(t *testing.T) {
	for _, tc := range []struct {
		name    string
		pending bool
		err     error
		want    time.Duration
	}{
		{"none pending", false, nil, handlerGrace},
		{"one pending", true, nil, exitGrace},
		{"unreadable", false, errors.New("no /proc"), exitGrace},
	} {
		var slept time.Duration
		settle(func() (bool, error) { return tc.pending, tc.err }, func(d time.Duration) { slept += d })
		if slept != tc.want {
			t.Errorf("%s: settle slept %v, want %v", tc.name, slept, tc.want)
		}
	}
}
