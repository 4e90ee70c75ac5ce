package harness

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// podmanBin is Debian's podman (4.3 in bookworm).
const podmanBin = "/usr/bin/podman"

// Podman is a private podman API service (`podman system service`, which
// serves podman's own API and a Docker-compatible one on the same socket),
// started by StartPodman. Its image store, run state, temporary files,
// network configuration and registries.conf all live under the caller's
// work directory, so neither the host's podman store nor its configuration
// is touched.
type Podman struct {
	// Socket is the path of the service's unix socket (DOCKER_HOST or
	// CONTAINER_HOST is "unix://" + Socket).
	Socket string
	// LogFile receives the service's output.
	LogFile string

	dir        string
	sockDir    string // short directory for the socket and --runroot
	ownSockDir bool
	service    *process
	closeOnce  sync.Once
	closeErr   error
}

// StartPodman starts `podman system service --time=0 unix://SOCKET` as the
// current user (root) with its own --root, --runroot, --tmpdir,
// --volumepath, --network-config-dir and storage driver (vfs, which works on
// any file system, including overlayfs) under a temporary directory of
// workDir, cgroupfs as cgroup manager and events written to a file (no
// systemd or journald needed). It returns once the socket answers the
// Docker API's /_ping.
func StartPodman(ctx context.Context, workDir string) (_ *Podman, err error) {
	if err := os.MkdirAll(workDir, 0o755); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp(workDir, "podman-")
	if err != nil {
		return nil, err
	}
	p := &Podman{dir: dir, sockDir: dir, LogFile: filepath.Join(dir, "podman-service.log")}
	defer func() {
		if err != nil {
			_ = p.Close()
		}
	}()
	// podman refuses a --runroot of 50 characters or more, and the socket
	// path has a kernel limit: both go to a short directory of their own.
	if p.sockDir, err = os.MkdirTemp("/tmp", "mingo-pm-"); err != nil {
		return nil, err
	}
	p.ownSockDir = true
	p.Socket = filepath.Join(p.sockDir, "podman.sock")
	if err := os.MkdirAll(filepath.Join(p.sockDir, "run"), 0o700); err != nil {
		return nil, err
	}
	for _, sub := range []string{"root", "tmp", "imagetmp", "volumes", "networks"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o700); err != nil {
			return nil, err
		}
	}
	// An empty registries.conf: short names resolve nowhere, and the host's
	// mirrors and search registries stay out.
	if err := os.WriteFile(filepath.Join(dir, "registries.conf"), []byte("unqualified-search-registries = []\n"), 0o644); err != nil {
		return nil, err
	}
	if err := p.writeContainersConf(); err != nil {
		return nil, err
	}
	args := append(p.globalArgs(), "system", "service", "--time=0", "unix://"+p.Socket)
	p.service, err = startProcess("podman", p.LogFile, podmanBin, args, p.env())
	if err != nil {
		return nil, err
	}
	client := p.HTTPClient()
	err = waitFor(ctx, "podman system service", p.service, 60*time.Second, func() error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://d/_ping", nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET /_ping: %s", resp.Status)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("harness: %w\n%s (tail):\n%s", err, p.LogFile, logTail(p.LogFile, 30))
	}
	return p, nil
}

// globalArgs are the flags that point podman (service and client alike) at
// this instance's store and state.
func (p *Podman) globalArgs() []string {
	return []string{
		"--root", filepath.Join(p.dir, "root"),
		"--runroot", filepath.Join(p.sockDir, "run"),
		"--tmpdir", filepath.Join(p.dir, "tmp"),
		"--volumepath", filepath.Join(p.dir, "volumes"),
		"--network-config-dir", filepath.Join(p.dir, "networks"),
		"--storage-driver", "vfs",
		"--cgroup-manager", "cgroupfs",
		"--events-backend", "file",
		"--runtime", runcPath(),
	}
}

// env is the environment of every podman process of this instance: the
// host's CONTAINERS_* and DOCKER_* variables dropped, our registries.conf,
// and image temporary files under our directory.
func (p *Podman) env() []string {
	return cleanEnv(
		"CONTAINERS_REGISTRIES_CONF="+filepath.Join(p.dir, "registries.conf"),
		"CONTAINERS_CONF="+filepath.Join(p.dir, "containers.conf"),
		"TMPDIR="+filepath.Join(p.dir, "imagetmp"),
	)
}

// writeContainersConf writes the instance's containers.conf (the host's
// stays out). As root, podman raises a container's open-files and process
// limits to 1048576 and 4194304 by default, which runc cannot do in a
// session (such as a container) whose hard limits are lower; even this
// process's own process limit was refused in such a session. The defaults
// here are this process's open-files limit and 4096 processes, plenty for
// a test.
func (p *Podman) writeContainersConf() error {
	var nofile syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &nofile); err != nil {
		return err
	}
	conf := fmt.Sprintf("[containers]\ndefault_ulimits = [\"nofile=%d:%d\", \"nproc=4096:4096\"]\n", nofile.Cur, nofile.Max)
	return os.WriteFile(filepath.Join(p.dir, "containers.conf"), []byte(conf), 0o644)
}

// Env returns the DOCKER_HOST setting for programs that should talk to
// this service through its Docker-compatible API.
func (p *Podman) Env() []string { return []string{"DOCKER_HOST=unix://" + p.Socket} }

// HTTPClient returns a client whose every request goes to the service's
// socket, whatever the URL's host.
func (p *Podman) HTTPClient() *http.Client {
	return &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", p.Socket)
		},
	}}
}

// Run runs the podman command line directly on this instance's store (not
// through the service; both see the same images) and returns its standard
// output; on failure the error includes stderr. Output is also appended to
// podman-client.log next to LogFile. Containers need `--network=none`:
// the instance has no network configured.
func (p *Podman) Run(ctx context.Context, args ...string) (string, error) {
	return runCommand(ctx, filepath.Join(p.dir, "podman-client.log"), p.env(), podmanBin, append(p.globalArgs(), args...)...)
}

// Close stops the service (SIGTERM; SIGKILL after 15s), removes what the
// store mounted under the instance's directory, and the socket directory
// when it was a separate temporary one. The store stays under workDir.
func (p *Podman) Close() error {
	if p == nil {
		return nil
	}
	p.closeOnce.Do(func() {
		var errs []error
		if p.service != nil {
			errs = append(errs, p.service.stop(15*time.Second))
		}
		// podman unmounts its store on a clean shutdown; a killed one may
		// leave mounts behind.
		errs = append(errs, unmountAll(p.dir))
		if p.ownSockDir {
			errs = append(errs, unmountAll(p.sockDir))
		}
		if p.ownSockDir {
			_ = os.RemoveAll(p.sockDir)
		}
		p.closeErr = errors.Join(errs...)
	})
	return p.closeErr
}

// unmountAll lazily unmounts every mount point at or below dir, deepest
// first.
func unmountAll(dir string) error {
	mounts, err := mountsUnder(dir)
	if err != nil {
		return err
	}
	var errs []error
	for _, m := range mounts {
		if err := syscall.Unmount(m, syscall.MNT_DETACH); err != nil && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, syscall.ENOENT) {
			errs = append(errs, fmt.Errorf("unmount %s: %w", m, err))
		}
	}
	return errors.Join(errs...)
}
