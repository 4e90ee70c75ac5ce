package config

import (
	"errors"
	"fmt"
	"path"
	"strconv"
	"strings"
)

// Names of the generated bases; anything else given as a base is a
// registry reference.
const (
	BaseScratch    = "scratch"
	BaseDistroless = "distroless"
)

// DefaultToolbox is the image the debug variants take their static
// busybox from when no toolbox is given.
const DefaultToolbox = "docker.io/library/busybox:1.37.0-musl"

// The image's runtime settings (expose, volumes, stop-signal), checked
// here once for the flags as they are parsed and for mingo.yaml as it is
// loaded; the image's config is written from what they return.

// ErrBadPort is wrapped by the error for a port that is not
// PORT[/tcp|/udp] with PORT in 1-65535.
var ErrBadPort = errors.New("want PORT[/tcp|/udp] with PORT in 1-65535")

// ParsePort checks an exposed port and returns it as the image config
// writes it: "8080" becomes "8080/tcp", the protocol lower-case.
func ParsePort(s string) (string, error) {
	port, proto, hasProto := strings.Cut(s, "/")
	proto = strings.ToLower(proto)
	if !hasProto {
		proto = "tcp"
	}
	n, err := strconv.Atoi(port)
	if err != nil || strings.HasPrefix(port, "+") || strings.HasPrefix(port, "0") {
		return "", fmt.Errorf("port %q: %w", s, ErrBadPort)
	}
	if n < 1 || n > 65535 {
		return "", fmt.Errorf("port %d is out of range: %w", n, ErrBadPort)
	}
	if proto != "tcp" && proto != "udp" && proto != "sctp" {
		return "", fmt.Errorf("port %q: protocol %q: %w", s, proto, ErrBadPort)
	}
	return strconv.Itoa(n) + "/" + proto, nil
}

// ErrBadVolume is wrapped by the error for a volume that is not a clean
// absolute path.
var ErrBadVolume = errors.New("want a clean absolute path, for example /data")

// CheckVolume checks a volume path.
func CheckVolume(p string) error {
	if !path.IsAbs(p) || path.Clean(p) != p || p == "/" {
		return fmt.Errorf("volume %q: %w", p, ErrBadVolume)
	}
	return nil
}

// ErrBadSignal is wrapped by the error for an unknown stop signal.
var ErrBadSignal = errors.New("want a signal name such as SIGTERM, SIGINT or SIGQUIT, or a number from 1 to 64")

// signals are the Linux signal names a container may be stopped with.
var signals = []string{
	"SIGABRT", "SIGALRM", "SIGBUS", "SIGCHLD", "SIGCONT", "SIGFPE", "SIGHUP", "SIGILL", "SIGINT", "SIGIO",
	"SIGKILL", "SIGPIPE", "SIGPROF", "SIGPWR", "SIGQUIT", "SIGSEGV", "SIGSTKFLT", "SIGSTOP", "SIGSYS",
	"SIGTERM", "SIGTRAP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGUSR1", "SIGUSR2", "SIGVTALRM",
	"SIGWINCH", "SIGXCPU", "SIGXFSZ",
}

// ParseSignal checks a stop signal and returns it as the config writes it:
// a name upper-case with its SIG prefix ("term" becomes "SIGTERM"),
// SIGRTMIN+N, or a number from 1 to 64.
func ParseSignal(s string) (string, error) {
	if n, err := strconv.Atoi(s); err == nil {
		if n < 1 || n > 64 {
			return "", fmt.Errorf("stop signal %d is out of range: %w", n, ErrBadSignal)
		}
		return strconv.Itoa(n), nil
	}
	name := strings.ToUpper(s)
	if !strings.HasPrefix(name, "SIG") {
		name = "SIG" + name
	}
	for _, known := range signals {
		if name == known {
			return name, nil
		}
	}
	if rt, ok := strings.CutPrefix(name, "SIGRTMIN+"); ok {
		if n, err := strconv.Atoi(rt); err == nil && n >= 0 && n <= 30 {
			return name, nil
		}
	}
	return "", fmt.Errorf("stop signal %q: %w", s, ErrBadSignal)
}
