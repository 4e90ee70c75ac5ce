package harness

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
)

const (
	binfmtDir     = "/proc/sys/fs/binfmt_misc"
	binfmtConfDir = "/usr/lib/binfmt.d"
)

// qemuArchs are the qemu-user-static handlers EnableQEMU registers. The
// required ones cover the platforms mingo's tests run; the others are
// registered when qemu-user-static ships them, because it costs nothing.
var qemuArchs = []struct {
	name     string // qemu's name: /usr/lib/binfmt.d/qemu-<name>.conf
	required bool
}{
	{"aarch64", true},
	{"arm", true},
	{"ppc64le", false},
	{"s390x", false},
	{"riscv64", false},
	{"i386", false},
	{"x86_64", false},
}

// nativeQEMU lists, per GOARCH of the host, the qemu architectures the host
// runs natively, for which qemu-user-static ships no handler.
var nativeQEMU = map[string][]string{
	"amd64": {"x86_64", "i386"},
	"386":   {"i386"},
	"arm64": {"aarch64", "arm"},
	"arm":   {"arm"},
}

// qemuMu serialises EnableQEMU within the process.
var qemuMu sync.Mutex

// EnableQEMU makes foreign-architecture Linux binaries run through
// qemu-user-static, including inside containers: it mounts binfmt_misc at
// /proc/sys/fs/binfmt_misc if needed and registers the handlers for aarch64
// and arm (plus ppc64le, s390x, riscv64, i386 and x86_64 when available;
// handlers for the host's own architectures are not needed) from
// /usr/lib/binfmt.d/qemu-*.conf, always with the F (fix-binary) flag so the
// kernel opens the interpreter at registration time and containers do not
// need it in their root file system. It is idempotent: a handler that is
// already registered with the F flag is left alone (and enabled if it was
// disabled); one registered without F is replaced.
func EnableQEMU() error {
	qemuMu.Lock()
	defer qemuMu.Unlock()
	register := filepath.Join(binfmtDir, "register")
	if _, err := os.Stat(register); err != nil {
		if err := syscall.Mount("binfmt_misc", binfmtDir, "binfmt_misc", syscall.MS_NOSUID|syscall.MS_NODEV|syscall.MS_NOEXEC, ""); err != nil {
			return fmt.Errorf("harness: mount binfmt_misc at %s: %w", binfmtDir, err)
		}
	}
	status := filepath.Join(binfmtDir, "status")
	if b, err := os.ReadFile(status); err == nil && strings.TrimSpace(string(b)) != "enabled" {
		if err := os.WriteFile(status, []byte("1"), 0); err != nil {
			return fmt.Errorf("harness: enable binfmt_misc: %w", err)
		}
	}
	var errs []error
	for _, a := range qemuArchs {
		err := registerQEMU(a.name)
		if err == nil {
			continue
		}
		if errors.Is(err, os.ErrNotExist) && (!a.required || slices.Contains(nativeQEMU[runtime.GOARCH], a.name)) {
			continue // not shipped, and not needed
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// registerQEMU registers the handler described by
// /usr/lib/binfmt.d/qemu-<arch>.conf, forcing the F flag.
func registerQEMU(arch string) error {
	confFile := filepath.Join(binfmtConfDir, "qemu-"+arch+".conf")
	b, err := os.ReadFile(confFile)
	if err != nil {
		return fmt.Errorf("harness: qemu-user-static handler for %s: %w", arch, err)
	}
	var line string
	for _, l := range strings.Split(string(b), "\n") {
		l = strings.TrimSpace(l)
		if l != "" && !strings.HasPrefix(l, "#") && !strings.HasPrefix(l, ";") {
			line = l
			break
		}
	}
	// :name:type:offset:magic:mask:interpreter:flags
	fields := strings.Split(line, ":")
	if len(fields) != 8 || fields[0] != "" || fields[1] == "" {
		return fmt.Errorf("harness: %s: unexpected binfmt line %q", confFile, line)
	}
	name, interpreter, flags := fields[1], fields[6], fields[7]
	if _, err := os.Stat(interpreter); err != nil {
		return fmt.Errorf("harness: interpreter for %s: %w", arch, err)
	}
	if !strings.Contains(flags, "F") {
		fields[7] = flags + "F"
		line = strings.Join(fields, ":")
	}

	entry := filepath.Join(binfmtDir, name)
	if cur, err := os.ReadFile(entry); err == nil {
		enabled, curFlags := parseBinfmtEntry(string(cur))
		if strings.Contains(curFlags, "F") {
			if !enabled {
				if err := os.WriteFile(entry, []byte("1"), 0); err != nil {
					return fmt.Errorf("harness: enable %s: %w", entry, err)
				}
			}
			return nil
		}
		// Registered without F: useless inside containers; replace it.
		if err := os.WriteFile(entry, []byte("-1"), 0); err != nil {
			return fmt.Errorf("harness: remove %s (registered without the F flag): %w", entry, err)
		}
	}
	if err := os.WriteFile(filepath.Join(binfmtDir, "register"), []byte(line), 0); err != nil {
		if errors.Is(err, syscall.EEXIST) {
			return nil // registered concurrently
		}
		return fmt.Errorf("harness: register %s from %s: %w", name, confFile, err)
	}
	return nil
}

// parseBinfmtEntry reads /proc/sys/fs/binfmt_misc/<name>: whether it is
// enabled and its flags.
func parseBinfmtEntry(s string) (enabled bool, flags string) {
	for _, l := range strings.Split(s, "\n") {
		switch {
		case l == "enabled":
			enabled = true
		case strings.HasPrefix(l, "flags:"):
			flags = strings.TrimSpace(strings.TrimPrefix(l, "flags:"))
		}
	}
	return enabled, flags
}
