package e2e

import (
	"bufio"
	"bytes"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// bigFile writes size bytes of seeded random data (incompressible, the
// same every run) for --add, so every phase lasts long enough to be
// interrupted.
func bigFile(t *testing.T, size int) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "blob.bin")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rng := rand.NewChaCha8([32]byte{'m', 'i', 'n', 'g', 'o'})
	if _, err := io.CopyN(f, rng, int64(size)); err != nil {
		t.Fatal(err)
	}
	return p
}

// SIGINT or SIGTERM in each phase (compile, layering, tarball, layout,
// push) stops mingo within seconds with 128+signal, no partial output, no
// temporary file and no tag; a second signal exits at once; the next run
// gives the digest of an uninterrupted build.
func TestSignals(t *testing.T) {
	requireEnv(t)
	blob := bigFile(t, 96<<20)
	warm := t.TempDir()
	repo := env.reg.Host + "/e2e/signals"
	args := func(out, tag string) []string {
		a := []string{"build", ".", "--platform", "linux/amd64", "--add", blob + ":/data/blob.bin",
			"--tarball", filepath.Join(out, "img.tar"), "--oci-layout", filepath.Join(out, "layout")}
		if tag == "" {
			return append(a, "--push=false")
		}
		return append(a, "-t", tag)
	}
	ref := mingo(t, []string{"MINGO_CACHE=" + warm}, args(t.TempDir(), "")...)
	if ref.err != nil {
		t.Fatalf("reference build: %v\n%s", ref.err, ref.stderr)
	}
	want := digestOf(ref.stdout)
	for _, tc := range []struct {
		phase   string
		trigger string // a progress line that starts the phase
		delay   time.Duration
		sig     syscall.Signal
		fresh   bool // a new mingo cache, so compiling and layering happen
		twice   bool
	}{
		{"compile", `: compiling `, 0, syscall.SIGINT, true, false},
		{"compile", `: compiling `, 300 * time.Millisecond, syscall.SIGTERM, true, false},
		{"layering", `: layering `, 0, syscall.SIGINT, true, false},
		{"layering", `: layering `, 0, syscall.SIGTERM, true, false},
		{"tarball", `: built, `, 20 * time.Millisecond, syscall.SIGINT, false, false},
		{"tarball", `: built, `, 60 * time.Millisecond, syscall.SIGTERM, false, false},
		{"layout", `^wrote .*img\.tar$`, 20 * time.Millisecond, syscall.SIGINT, false, false},
		{"layout", `^wrote .*img\.tar$`, 20 * time.Millisecond, syscall.SIGTERM, false, false},
		{"push", `^pushing `, 100 * time.Millisecond, syscall.SIGINT, false, false},
		// The push of the 96 MB blob takes about half a second on an idle
		// machine over loopback: signal well within it.
		{"push", `^pushing `, 50 * time.Millisecond, syscall.SIGTERM, false, false},
		{"compile, twice", `: compiling `, 0, syscall.SIGINT, true, true},
	} {
		name := tc.phase + "/" + tc.sig.String() + "/" + tc.delay.String()
		t.Run(name, func(t *testing.T) {
			cache := warm
			if tc.fresh {
				cache = t.TempDir()
			}
			out := t.TempDir()
			tag := ""
			if tc.phase == "push" {
				// A repository of its own, so the blobs really upload.
				tag = repo + "-" + strings.ToLower(tc.sig.String()[:4]) + ":" + strings.ReplaceAll(tc.delay.String(), ".", "_")
			}
			took, status, stdout, stderr := interrupt(t, cache, args(out, tag), regexp.MustCompile(tc.trigger), tc.delay, tc.sig, tc.twice)
			t.Logf("%s: %v to exit after %v", tc.phase, took.Round(time.Millisecond), tc.sig)
			if status != 128+int(tc.sig) {
				t.Fatalf("exit status %d, want %d\n%s", status, 128+int(tc.sig), stderr)
			}
			if limit := 3 * time.Second; took > limit {
				t.Errorf("took %v to stop, want under %v", took, limit)
			}
			if stdout != "" {
				t.Errorf("stdout %q", stdout)
			}
			// Outputs finished before the signal (the tarball, when the
			// layout or push is interrupted) stay, complete; nothing
			// else may.
			entries, _ := os.ReadDir(out)
			for _, e := range entries {
				switch {
				case e.Name() == "img.tar" && tc.phase != "compile" && tc.phase != "layering":
					verifyTarballBlobs(t, filepath.Join(out, e.Name()))
				case e.Name() == "layout" && tc.phase == "push":
					verifyLayoutBlobs(t, filepath.Join(out, e.Name()))
				default:
					t.Errorf("left behind in the output directory: %s", e.Name())
				}
			}
			if tmps, _ := filepath.Glob(filepath.Join(cache, "blobs", "tmp-*")); len(tmps) != 0 && !tc.twice {
				t.Errorf("left behind in the cache: %v", tmps)
			}
			if tag != "" {
				if raw, err := skopeoMaybe(t, "inspect", "--raw", "--cert-dir", registryCertDir(t),
					"--authfile", filepath.Join(env.reg.DockerConfigDir, "config.json"), "docker://"+tag); err == nil {
					t.Errorf("the interrupted push wrote %s: %s", tag, raw)
				}
			}
			again := mingo(t, []string{"MINGO_CACHE=" + cache}, args(t.TempDir(), "")...)
			if again.err != nil {
				t.Fatalf("rerun: %v\n%s", again.err, again.stderr)
			}
			if got := digestOf(again.stdout); got != want {
				t.Errorf("rerun digest %s, want %s", got, want)
			}
		})
	}
}

// interrupt runs mingo and sends sig delay after the first stderr line
// matching trigger (twice, 50ms apart, when asked). It returns the time
// from the first signal to exit, the exit status and the output.
func interrupt(t *testing.T, cache string, args []string, trigger *regexp.Regexp, delay time.Duration, sig syscall.Signal, twice bool) (time.Duration, int, string, string) {
	t.Helper()
	cmd := exec.Command(env.mingo, args...)
	cmd.Dir = env.probeDir
	cmd.Env = append(os.Environ(), "SSL_CERT_FILE="+env.reg.CAFile, "DOCKER_CONFIG="+env.reg.DockerConfigDir, "MINGO_CACHE="+cache)
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sent := make(chan time.Time, 1)
	go func() {
		sc := bufio.NewScanner(pipe)
		fired := false
		for sc.Scan() {
			stderr.WriteString(sc.Text() + "\n")
			if !fired && trigger.MatchString(sc.Text()) {
				fired = true
				time.Sleep(delay)
				sent <- time.Now()
				cmd.Process.Signal(sig)
				if twice {
					time.Sleep(50 * time.Millisecond)
					cmd.Process.Signal(sig)
				}
			}
		}
	}()
	err = cmd.Wait()
	exited := time.Now()
	var at time.Time
	select {
	case at = <-sent:
	default:
		t.Fatalf("the run ended (%v) before %q appeared:\n%s", err, trigger, stderr.String())
	}
	return exited.Sub(at), cmd.ProcessState.ExitCode(), stdout.String(), stderr.String()
}

// A signal received at the very end of a run, after its outputs are
// written, still gives 128+signal (the outputs, complete, may stay): 16
// tries, half with SIGINT as the tarball's "wrote" line appears, half at
// and just after the result line, the last thing mingo prints.
func TestSignalAtTheEnd(t *testing.T) {
	requireEnv(t)
	cache := t.TempDir()
	args := []string{"build", ".", "--platform", "linux/amd64", "--push=false"}
	if r := mingo(t, []string{"MINGO_CACHE=" + cache}, append(args, "--tarball", filepath.Join(t.TempDir(), "warm.tar"))...); r.err != nil {
		t.Fatalf("warming the cache: %v\n%s", r.err, r.stderr)
	}
	sent := 0
	for try := range 16 {
		cmd := exec.Command(env.mingo, append(args, "--tarball", filepath.Join(t.TempDir(), "img.tar"))...)
		cmd.Dir = env.probeDir
		cmd.Env = append(os.Environ(), "MINGO_CACHE="+cache)
		trigger, delay := "wrote ", time.Duration(0)
		if try%2 == 1 {
			trigger, delay = "sha256:", time.Duration(try/2%4)*100*time.Microsecond
		}
		signalled, output := signalOn(t, cmd, trigger, delay)
		if !signalled {
			continue
		}
		sent++
		ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
		if code := cmd.ProcessState.ExitCode(); code != 130 && !(ws.Signaled() && ws.Signal() == syscall.SIGINT) {
			t.Errorf("try %d: SIGINT at %q exited %d, want 130\n%s", try, trigger, code, output)
		}
	}
	if sent < 8 {
		t.Errorf("only %d of 16 signals reached mingo before it exited", sent)
	}
	t.Logf("%d signals at the end, all 130", sent)
}

// signalOn runs cmd, its stdout and stderr in one pipe, and sends SIGINT
// delay after the first line that starts with trigger; it reports whether
// the signal reached the process before it began to exit, and the output.
//
// One in the kernel's exit takes a signal without ever seeing it, and no
// program can change that. A process that SIGSTOP stops had not begun to
// exit: SIGINT is then sent while it is stopped, and seen when SIGCONT
// resumes it.
func signalOn(t *testing.T, cmd *exec.Cmd, trigger string, delay time.Duration) (bool, string) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	defer r.Close()
	var output strings.Builder
	signalled := false
	for sc := bufio.NewScanner(r); sc.Scan(); {
		output.WriteString(sc.Text() + "\n")
		if signalled || !strings.HasPrefix(sc.Text(), trigger) {
			continue
		}
		time.Sleep(delay)
		pid := cmd.Process.Pid
		if cmd.Process.Signal(syscall.SIGSTOP) == nil && procState(pid, "T", 200*time.Millisecond) {
			signalled = cmd.Process.Signal(syscall.SIGINT) == nil
		}
		cmd.Process.Signal(syscall.SIGCONT)
	}
	cmd.Wait()
	return signalled, output.String()
}

// procState reports whether every thread of the process pid reaches the
// state (a letter of /proc/PID/task/TID/stat: T for stopped) within d.
// Every thread, not the process's first: Go exits from whichever thread
// runs the main goroutine, and a thread inside exit_group never stops
// while the others may already show T.
func procState(pid int, state string, d time.Duration) bool {
	for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(time.Millisecond) {
		tasks, err := filepath.Glob("/proc/" + strconv.Itoa(pid) + "/task/*/stat")
		if err != nil || len(tasks) == 0 {
			return false
		}
		all := true
		for _, task := range tasks {
			stat, err := os.ReadFile(task)
			// The command name, in parentheses, may hold spaces: skip it.
			if err != nil || !slices.Contains(strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))[:1], state) {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}
