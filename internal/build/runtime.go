package build

import (
	"errors"
	"fmt"
	"maps"
	"path"
	"strconv"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

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

// applyRuntime adds the user's ports and volumes to the base's and sets
// the stop signal. The config's maps are written with sorted keys, so the
// order they were given in does not reach the digest.
func applyRuntime(c *v1.Config, ic ImageConfig) {
	if len(ic.Expose) > 0 {
		c.ExposedPorts = maps.Clone(c.ExposedPorts)
		if c.ExposedPorts == nil {
			c.ExposedPorts = map[string]struct{}{}
		}
		for _, p := range ic.Expose {
			c.ExposedPorts[p] = struct{}{}
		}
	}
	if len(ic.Volumes) > 0 {
		c.Volumes = maps.Clone(c.Volumes)
		if c.Volumes == nil {
			c.Volumes = map[string]struct{}{}
		}
		for _, v := range ic.Volumes {
			c.Volumes[v] = struct{}{}
		}
	}
	if ic.StopSignal != "" {
		c.StopSignal = ic.StopSignal
	}
}

// checkRuntime validates the ports, volumes and stop signal of c and
// returns c with them in the form the config writes.
func checkRuntime(c ImageConfig) (ImageConfig, error) {
	out := c
	out.Expose = nil
	for _, p := range c.Expose {
		norm, err := ParsePort(p)
		if err != nil {
			return c, err
		}
		out.Expose = append(out.Expose, norm)
	}
	for _, v := range c.Volumes {
		if err := CheckVolume(v); err != nil {
			return c, err
		}
	}
	if c.StopSignal != "" {
		sig, err := ParseSignal(c.StopSignal)
		if err != nil {
			return c, err
		}
		out.StopSignal = sig
	}
	return out, nil
}
