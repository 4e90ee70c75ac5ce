package harness

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
)

// Busyboxes downloads Debian's busybox-static package for each Debian
// architecture (amd64, arm64, armhf, ...) into dir and returns the path of
// the static busybox each holds, by architecture. A foreign architecture
// is added to dpkg (dpkg --add-architecture, then apt-get update) first:
// it only lets apt download that architecture's packages, nothing of it is
// installed. This is how the end-to-end tests get a toolbox for mingo's
// debug variants without reaching the internet's registries.
func Busyboxes(ctx context.Context, dir string, arches []string, logf func(string, ...any)) (map[string]string, error) {
	aptMu.Lock()
	defer aptMu.Unlock()
	lock, err := os.OpenFile(filepath.Join(os.TempDir(), "mingo-harness-apt.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("harness: apt lock: %w", err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return nil, fmt.Errorf("harness: apt lock: %w", err)
	}
	if err := addArchitectures(ctx, arches, logf); err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, arch := range arches {
		if _, err := command(ctx, dir, aptGetBin, "-o", "DPkg::Lock::Timeout=300", "download", "busybox-static:"+arch); err != nil {
			return nil, err
		}
		debs, _ := filepath.Glob(filepath.Join(dir, "busybox-static_*_"+arch+".deb"))
		if len(debs) != 1 {
			return nil, fmt.Errorf("harness: apt-get download busybox-static:%s gave %v", arch, debs)
		}
		root := filepath.Join(dir, arch)
		if _, err := command(ctx, dir, "dpkg-deb", "-x", debs[0], root); err != nil {
			return nil, err
		}
		out[arch] = filepath.Join(root, "bin", "busybox")
		if _, err := os.Stat(out[arch]); err != nil {
			return nil, fmt.Errorf("harness: busybox-static:%s has no /bin/busybox: %w", arch, err)
		}
	}
	return out, nil
}

// addArchitectures adds the foreign architectures dpkg lacks and updates
// the package lists when it added any.
func addArchitectures(ctx context.Context, arches []string, logf func(string, ...any)) error {
	native, err := command(ctx, "", "dpkg", "--print-architecture")
	if err != nil {
		return err
	}
	foreign, err := command(ctx, "", "dpkg", "--print-foreign-architectures")
	if err != nil {
		return err
	}
	added := false
	for _, a := range arches {
		if a == strings.TrimSpace(native) || strings.Contains(" "+strings.Join(strings.Fields(foreign), " ")+" ", " "+a+" ") {
			continue
		}
		if _, err := command(ctx, "", "dpkg", "--add-architecture", a); err != nil {
			return err
		}
		added = true
	}
	if !added {
		return nil
	}
	if logf != nil {
		logf("harness: apt-get update for the added architectures %v", arches)
	}
	_, err = command(ctx, "", aptGetBin, "-o", "DPkg::Lock::Timeout=300", "update")
	return err
}

// command runs a program in dir and returns its standard output; the
// error holds its output.
func command(ctx context.Context, dir, bin string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", errors.New("harness: " + bin + " " + strings.Join(args, " ") + ": " + err.Error() + "\n" + tail(stderr.Bytes(), 20))
	}
	return stdout.String(), nil
}
