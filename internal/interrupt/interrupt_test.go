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

// A second signal exits at once with 128+signal, saying so; run in a
// child process, since it exits.
func TestCatchSecondSignalExits(t *testing.T) {
	if os.Getenv("INTERRUPT_TEST_CHILD") == "1" {
		ctx, _ := Catch("prog")
		syscall.Kill(os.Getpid(), syscall.SIGTERM)
		<-ctx.Done()
		syscall.Kill(os.Getpid(), syscall.SIGINT)
		time.Sleep(10 * time.Second)
		os.Exit(0)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestCatchSecondSignalExits$")
	cmd.Env = append(os.Environ(), "INTERRUPT_TEST_CHILD=1")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err := cmd.Run()
	if ee, ok := errors.AsType[*exec.ExitError](err); !ok || ee.ExitCode() != 130 {
		t.Errorf("child: %v, want exit status 130", err)
	}
	if want := "prog: interrupt again: exiting now\n"; stderr.String() != want {
		t.Errorf("stderr = %q, want %q", stderr.String(), want)
	}
}
