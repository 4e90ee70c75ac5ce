// Package harness starts real components on loopback for mingo's end-to-end
// tests: a CNCF Distribution registry (optionally with TLS and htpasswd
// auth), a private Docker daemon with its own containerd, qemu-user-static
// binfmt handlers, a runc-based runner for single image platforms
// (skopeo + umoci + runc), and a private podman API service.
//
// Everything comes from Debian packages; EnsurePackages installs whatever is
// missing. The components need root on Linux; Unavailable reports why they
// cannot run on the current machine.
//
// Every process the harness starts writes its output to a file under the
// caller's work directory, listens on 127.0.0.1 or a unix socket only, and is
// stopped by the Close method of the value that started it.
package harness

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Paths of the binaries the harness runs. They are absolute on purpose: the
// Debian packages install them there, and a different binary of the same
// name earlier in $PATH (for example a newer /usr/local/bin/docker client)
// must not be picked up by accident.
const (
	registryBin   = "/usr/bin/docker-registry"
	dockerdBin    = "/usr/sbin/dockerd"
	dockerBin     = "/usr/bin/docker"
	containerdBin = "/usr/bin/containerd"
	skopeoBin     = "/usr/bin/skopeo"
	umociBin      = "/usr/bin/umoci"
	aptGetBin     = "/usr/bin/apt-get"
)

// requirement ties a file the harness needs to the Debian package that
// provides it. alternatives lists other acceptable locations of the file.
type requirement struct {
	pkg          string
	path         string
	alternatives []string
}

// requirements lists one file per Debian package the harness depends on.
var requirements = []requirement{
	{pkg: "docker-registry", path: registryBin},
	{pkg: "docker.io", path: dockerdBin},
	{pkg: "docker.io", path: dockerBin},
	{pkg: "docker.io", path: containerdBin}, // containerd comes in as a dependency of docker.io
	{pkg: "runc", path: "/usr/sbin/runc", alternatives: []string{"/usr/bin/runc"}},
	{pkg: "skopeo", path: skopeoBin},
	{pkg: "umoci", path: umociBin},
	{pkg: "podman", path: podmanBin},
	{pkg: "conmon", path: "/usr/bin/conmon"}, // a dependency of podman
	{pkg: "qemu-user-static", path: "/usr/bin/qemu-aarch64-static"},
	{pkg: "qemu-user-static", path: "/usr/lib/binfmt.d/qemu-aarch64.conf"},
	{pkg: "binfmt-support", path: "/usr/sbin/update-binfmts"},
	{pkg: "iptables", path: "/usr/sbin/iptables"},
	{pkg: "ca-certificates", path: "/etc/ssl/certs/ca-certificates.crt"},
	// The reproducibility tests clone a git repository and run the
	// example Makefile.
	{pkg: "git", path: "/usr/bin/git"},
	{pkg: "make", path: "/usr/bin/make"},
}

// present reports whether the requirement's file (or one of its alternatives)
// exists, and returns the path found.
func (r requirement) present() (string, bool) {
	for _, p := range append([]string{r.path}, r.alternatives...) {
		if _, err := os.Stat(p); err == nil {
			return p, true
		}
	}
	return "", false
}

// missingPackages returns the Debian packages whose files are missing, in a
// stable order without duplicates, and the missing paths.
func missingPackages() (pkgs, paths []string) {
	seen := map[string]bool{}
	for _, r := range requirements {
		if _, ok := r.present(); ok {
			continue
		}
		paths = append(paths, r.path)
		if !seen[r.pkg] {
			seen[r.pkg] = true
			pkgs = append(pkgs, r.pkg)
		}
	}
	return pkgs, paths
}

// runcPath returns the runc binary installed by the Debian package.
func runcPath() string {
	for _, r := range requirements {
		if r.pkg == "runc" {
			if p, ok := r.present(); ok {
				return p
			}
			return r.path
		}
	}
	return "/usr/sbin/runc"
}

// Unavailable returns why the real-component tests cannot run here ("" when
// they can): the harness needs Linux and root, and either all the tools
// already installed or apt-get to install the missing ones.
func Unavailable() string {
	if runtime.GOOS != "linux" {
		return fmt.Sprintf("the real-component harness needs Linux (running on %s)", runtime.GOOS)
	}
	if uid := os.Geteuid(); uid != 0 {
		return fmt.Sprintf("the real-component harness needs root (running as uid %d): it starts dockerd, runc and registers binfmt_misc handlers", uid)
	}
	pkgs, paths := missingPackages()
	if len(pkgs) == 0 {
		return ""
	}
	if _, err := os.Stat(aptGetBin); err != nil {
		return fmt.Sprintf("missing %s (Debian packages %s) and no %s to install them",
			strings.Join(paths, ", "), strings.Join(pkgs, " "), aptGetBin)
	}
	return ""
}

// aptMu serialises EnsurePackages within one process; a file lock does the
// same across processes (several test binaries may run at once).
var aptMu sync.Mutex

// EnsurePackages installs the Debian packages that are missing (apt-get
// update followed by apt-get install --no-install-recommends, without
// prompts); it is a no-op when all binaries exist. Progress goes to logf,
// which may be nil.
//
// While installing, a temporary /usr/sbin/policy-rc.d (when none exists)
// stops the packages from starting system services such as docker.service:
// the harness runs its own private daemons and a system dockerd would add a
// docker0 bridge and iptables rules to the host.
func EnsurePackages(ctx context.Context, logf func(string, ...any)) error {
	if logf == nil {
		logf = func(string, ...any) {}
	}
	if runtime.GOOS != "linux" {
		return errors.New("harness: EnsurePackages needs Linux")
	}
	aptMu.Lock()
	defer aptMu.Unlock()
	if pkgs, _ := missingPackages(); len(pkgs) == 0 {
		return nil
	}

	lock, err := os.OpenFile(filepath.Join(os.TempDir(), "mingo-harness-apt.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return fmt.Errorf("harness: apt lock: %w", err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return fmt.Errorf("harness: apt lock: %w", err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN) //nolint:errcheck // released on close anyway

	// Another process may have installed them while we waited for the lock.
	pkgs, paths := missingPackages()
	if len(pkgs) == 0 {
		return nil
	}
	if _, err := os.Stat(aptGetBin); err != nil {
		return fmt.Errorf("harness: missing %s and no %s to install %s", strings.Join(paths, ", "), aptGetBin, strings.Join(pkgs, " "))
	}
	logf("harness: installing Debian packages %s (missing %s)", strings.Join(pkgs, " "), strings.Join(paths, ", "))

	const policyRC = "/usr/sbin/policy-rc.d"
	if _, err := os.Lstat(policyRC); errors.Is(err, os.ErrNotExist) {
		if err := os.WriteFile(policyRC, []byte("#!/bin/sh\n# written by mingo's test harness while it installs packages\nexit 101\n"), 0o755); err == nil {
			defer os.Remove(policyRC)
		}
	}

	env := append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
	run := func(args ...string) error {
		start := time.Now()
		cmd := exec.CommandContext(ctx, aptGetBin, args...)
		cmd.Env = env
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		logf("harness: apt-get %s (%s)", strings.Join(args, " "), time.Since(start).Round(time.Millisecond))
		if err != nil {
			return fmt.Errorf("harness: apt-get %s: %w\n%s", strings.Join(args, " "), err, tail(out.Bytes(), 40))
		}
		return nil
	}
	lockTimeout := []string{"-o", "DPkg::Lock::Timeout=300"}
	if err := run(append(lockTimeout, "update")...); err != nil {
		return err
	}
	if err := run(append(append(lockTimeout, "install", "-y", "--no-install-recommends"), pkgs...)...); err != nil {
		return err
	}
	if pkgs, paths := missingPackages(); len(pkgs) != 0 {
		return fmt.Errorf("harness: still missing %s after installing packages", strings.Join(paths, ", "))
	}
	return nil
}

// FreePort returns a free TCP port on 127.0.0.1. The port is free when
// FreePort returns; another process may take it before the caller binds it.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// process is a long-running child started by the harness.
type process struct {
	name    string
	cmd     *exec.Cmd
	logFile string
	log     *os.File
	done    chan struct{} // closed when the process has exited
	err     error         // Wait's result, valid after done is closed
}

// startProcess starts bin with args, its stdout and stderr appended to
// logFile, in its own process group, and killed if the harness dies.
func startProcess(name, logFile, bin string, args []string, env []string) (*process, error) {
	if err := os.MkdirAll(filepath.Dir(logFile), 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(f, "### %s %s %s\n", time.Now().Format(time.RFC3339), bin, strings.Join(args, " "))
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("harness: start %s: %w", name, err)
	}
	p := &process{name: name, cmd: cmd, logFile: logFile, log: f, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		f.Close()
		close(p.done)
	}()
	return p, nil
}

// exited reports whether the process has exited.
func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM, waits up to grace, then SIGKILLs the process group and
// waits for the process to exit.
func (p *process) stop(grace time.Duration) error {
	if p == nil {
		return nil
	}
	if p.exited() {
		return nil
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return nil
	case <-time.After(grace):
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		return fmt.Errorf("harness: %s (pid %d) did not exit after SIGKILL", p.name, p.cmd.Process.Pid)
	}
	return fmt.Errorf("harness: %s (pid %d) ignored SIGTERM for %s and was killed", p.name, p.cmd.Process.Pid, grace)
}

// logTail returns the last lines of a log file, for error messages.
func logTail(path string, lines int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(cannot read %s: %v)", path, err)
	}
	return tail(b, lines)
}

// tail returns at most the last n lines of b.
func tail(b []byte, n int) string {
	s := strings.TrimRight(string(b), "\n")
	ls := strings.Split(s, "\n")
	if len(ls) > n {
		ls = append([]string{fmt.Sprintf("[... %d earlier lines]", len(ls)-n)}, ls[len(ls)-n:]...)
	}
	return strings.Join(ls, "\n")
}

// cleanEnv returns the current environment without variables that would
// redirect the tools the harness runs (DOCKER_*, REGISTRY_*, CONTAINERS_*,
// REGISTRY_AUTH_FILE) and with the given variables added.
func cleanEnv(add ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(k, "DOCKER_"), strings.HasPrefix(k, "REGISTRY_"),
			strings.HasPrefix(k, "CONTAINERS_"), k == "REGISTRY_AUTH_FILE":
			continue
		}
		env = append(env, kv)
	}
	return append(env, add...)
}

// runCommand runs a short-lived command, appending its output to logFile
// (when not empty), and returns its stdout; on failure the error carries
// stderr.
func runCommand(ctx context.Context, logFile string, env []string, bin string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = env
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	var outW, errW io.Writer = &stdout, &stderr
	if logFile != "" {
		if err := os.MkdirAll(filepath.Dir(logFile), 0o755); err != nil {
			return "", err
		}
		f, err := os.OpenFile(logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return "", err
		}
		defer f.Close()
		fmt.Fprintf(f, "### %s %s %s\n", time.Now().Format(time.RFC3339), bin, strings.Join(args, " "))
		outW, errW = io.MultiWriter(&stdout, f), io.MultiWriter(&stderr, f)
	}
	cmd.Stdout, cmd.Stderr = outW, errW
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("%s %s: %w\nstderr:\n%s", filepath.Base(bin), strings.Join(args, " "), err, tail(stderr.Bytes(), 40))
	}
	return stdout.String(), nil
}

// waitFor polls check until it returns nil, the process p (if not nil)
// exits, ctx ends or timeout passes; it then returns an error naming what
// was awaited and the last check's error.
func waitFor(ctx context.Context, what string, p *process, timeout time.Duration, check func() error) error {
	deadline := time.Now().Add(timeout)
	for {
		err := check()
		if err == nil {
			return nil
		}
		if p != nil && p.exited() {
			return fmt.Errorf("%s exited (%v) before it was ready; last check: %v", what, p.err, err)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not ready after %s: %v", what, timeout, err)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s not ready: %w (last check: %v)", what, ctx.Err(), err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
