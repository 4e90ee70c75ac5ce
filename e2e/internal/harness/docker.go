package harness

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// dockerCertsDir is where dockerd looks for per-registry CA certificates.
const dockerCertsDir = "/etc/docker/certs.d"

// Docker is a private Docker daemon (/usr/sbin/dockerd, Debian's docker.io)
// with its own containerd, data root, exec root and unix socket, started by
// StartDocker. It touches neither the host's network configuration (no
// bridge, no iptables rules, no IP forwarding) nor a system Docker daemon.
type Docker struct {
	// Socket is the path of the daemon's unix socket (DOCKER_HOST is
	// "unix://" + Socket).
	Socket string
	// LogFile receives dockerd's output; containerd logs to
	// containerd.log next to it.
	LogFile string

	dir           string // everything of this daemon lives here
	sockDir       string // where the sockets live (dir, or a short temp dir)
	ownSockDir    bool   // sockDir is a temp dir to remove on Close
	containerdSck string
	dockerd       *process
	containerd    *process
	trusted       []string // files written under /etc/docker/certs.d
	trustedDirs   []string // directories created for those files
	clientConfig  string   // empty DOCKER_CONFIG used when Run gets ""
	closeOnce     sync.Once
	closeErr      error
}

// StorageDriverEnv names an environment variable that, when set, forces
// StartDocker to use that storage driver (for example "vfs") instead of
// letting dockerd choose and falling back to vfs.
const StorageDriverEnv = "MINGO_TEST_DOCKER_STORAGE_DRIVER"

// maxSocketPath keeps unix socket paths below the kernel's 108-byte limit,
// with room for containerd's ".ttrpc" suffix.
const maxSocketPath = 100

// StartDocker starts a private dockerd under a temporary directory of
// workDir: its own --data-root, --exec-root, --pidfile, config file and
// unix socket, logging to a file, backed by a containerd process of its own
// (so a system containerd is never shared). Networking that would change the
// host is off (--bridge=none --iptables=false --ip6tables=false
// --ip-forward=false --ip-masq=false --userland-proxy=false), so containers
// get only a loopback interface (as with --network=none). dockerd picks the
// storage driver (overlay2 where it works); if the daemon does not come up,
// StartDocker retries once with --storage-driver=vfs. StorageDriverEnv
// forces a driver.
//
// Each registry in trust with a CAFile is trusted by writing the CA to
// /etc/docker/certs.d/<host>/ca.crt, removed again by Close. Note that
// dockerd always treats registries on 127.0.0.0/8 as insecure: it then
// skips certificate verification (and falls back to plain HTTP), so it
// pulls from a loopback registry with or without the CA. StartDocker
// returns once `docker version` answers.
func StartDocker(ctx context.Context, workDir string, trust ...*Registry) (_ *Docker, err error) {
	if err := os.MkdirAll(workDir, 0o755); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp(workDir, "docker-")
	if err != nil {
		return nil, err
	}
	d := &Docker{dir: dir, sockDir: dir, LogFile: filepath.Join(dir, "dockerd.log"), clientConfig: filepath.Join(dir, "client-config")}
	defer func() {
		if err != nil {
			_ = d.Close()
		}
	}()
	if len(filepath.Join(dir, "containerd", "containerd.sock.ttrpc")) > maxSocketPath {
		d.sockDir, err = os.MkdirTemp("", "mingo-dk-")
		if err != nil {
			return nil, err
		}
		d.ownSockDir = true
	}
	d.Socket = filepath.Join(d.sockDir, "docker.sock")
	d.containerdSck = filepath.Join(d.sockDir, "containerd", "containerd.sock")
	if err := os.MkdirAll(d.clientConfig, 0o700); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(d.clientConfig, "config.json"), []byte("{\"auths\":{}}\n"), 0o600); err != nil {
		return nil, err
	}

	for _, r := range trust {
		if r == nil || r.CAFile == "" {
			continue
		}
		if err := d.trust(r); err != nil {
			return nil, err
		}
	}

	if err := d.startContainerd(ctx); err != nil {
		return nil, err
	}

	drivers := []string{"", "vfs"}
	if env := os.Getenv(StorageDriverEnv); env != "" {
		drivers = []string{env}
	}
	var errs []error
	for _, driver := range drivers {
		err := d.startDockerd(ctx, driver)
		if err == nil {
			return d, nil
		}
		name := driver
		if name == "" {
			name = "automatic"
		}
		errs = append(errs, fmt.Errorf("storage driver %s: %w\n%s (tail):\n%s", name, err, d.LogFile, logTail(d.LogFile, 30)))
		_ = d.dockerd.stop(15 * time.Second)
		d.dockerd = nil
		if err := d.cleanMounts(); err != nil {
			errs = append(errs, err)
		}
		// Start the next attempt from an empty data root.
		_ = os.RemoveAll(filepath.Join(d.dir, "data"))
		_ = os.RemoveAll(filepath.Join(d.dir, "exec"))
		if ctx.Err() != nil {
			break
		}
	}
	return nil, fmt.Errorf("harness: dockerd did not start: %w", errors.Join(errs...))
}

// trust writes r's CA to /etc/docker/certs.d/<host>/ca.crt.
func (d *Docker) trust(r *Registry) error {
	ca, err := os.ReadFile(r.CAFile)
	if err != nil {
		return err
	}
	hostDir := filepath.Join(dockerCertsDir, r.Host)
	// Remember the directories created here (deepest first) so Close can
	// remove them again when they are empty.
	for dir := hostDir; dir != "/"; dir = filepath.Dir(dir) {
		if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
			break
		}
		d.trustedDirs = append(d.trustedDirs, dir)
	}
	if err := os.MkdirAll(hostDir, 0o755); err != nil {
		return err
	}
	f := filepath.Join(hostDir, "ca.crt")
	if err := os.WriteFile(f, ca, 0o644); err != nil {
		return err
	}
	d.trusted = append(d.trusted, f)
	return nil
}

// startContainerd starts the containerd that dockerd will use and waits
// until its socket accepts connections.
func (d *Docker) startContainerd(ctx context.Context) error {
	cdir := filepath.Join(d.dir, "containerd")
	for _, sub := range []string{"root", "state", "opt"} {
		if err := os.MkdirAll(filepath.Join(cdir, sub), 0o711); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(filepath.Dir(d.containerdSck), 0o711); err != nil {
		return err
	}
	config := fmt.Sprintf(`version = 2
root = %q
state = %q
disabled_plugins = ["io.containerd.grpc.v1.cri"]

[grpc]
  address = %q

[debug]
  level = "info"

[plugins]
  [plugins."io.containerd.internal.v1.opt"]
    path = %q
`, filepath.Join(cdir, "root"), filepath.Join(cdir, "state"), d.containerdSck, filepath.Join(cdir, "opt"))
	configFile := filepath.Join(cdir, "config.toml")
	if err := os.WriteFile(configFile, []byte(config), 0o644); err != nil {
		return err
	}
	logFile := filepath.Join(d.dir, "containerd.log")
	p, err := startProcess("containerd", logFile, containerdBin, []string{"--config", configFile}, cleanEnv())
	if err != nil {
		return err
	}
	d.containerd = p
	err = waitFor(ctx, "containerd", p, 30*time.Second, func() error {
		c, err := net.DialTimeout("unix", d.containerdSck, time.Second)
		if err != nil {
			return err
		}
		return c.Close()
	})
	if err != nil {
		return fmt.Errorf("harness: %w\n%s (tail):\n%s", err, logFile, logTail(logFile, 30))
	}
	return nil
}

// startDockerd starts dockerd with the given storage driver ("" lets dockerd
// choose) and waits for `docker version` to answer.
func (d *Docker) startDockerd(ctx context.Context, storageDriver string) error {
	dataRoot := filepath.Join(d.dir, "data")
	execRoot := filepath.Join(d.dir, "exec")
	for _, p := range []string{dataRoot, execRoot} {
		if err := os.MkdirAll(p, 0o711); err != nil {
			return err
		}
	}
	// A config file of our own keeps the host's /etc/docker/daemon.json out,
	// and "deprecated-key-path" keeps dockerd 20.10 from creating
	// /etc/docker/key.json.
	daemonJSON := filepath.Join(d.dir, "daemon.json")
	cfg := fmt.Sprintf("{\n  \"deprecated-key-path\": %q,\n  \"shutdown-timeout\": 5\n}\n", filepath.Join(d.dir, "key.json"))
	if err := os.WriteFile(daemonJSON, []byte(cfg), 0o644); err != nil {
		return err
	}
	args := []string{
		"--config-file", daemonJSON,
		"--containerd", d.containerdSck,
		"--data-root", dataRoot,
		"--exec-root", execRoot,
		"--pidfile", filepath.Join(d.dir, "docker.pid"),
		"-H", "unix://" + d.Socket,
		"--bridge=none",
		"--iptables=false",
		"--ip6tables=false",
		"--ip-forward=false",
		"--ip-masq=false",
		"--userland-proxy=false",
	}
	if storageDriver != "" {
		args = append(args, "--storage-driver="+storageDriver)
	}
	p, err := startProcess("dockerd", d.LogFile, dockerdBin, args, cleanEnv())
	if err != nil {
		return err
	}
	d.dockerd = p
	return waitFor(ctx, "dockerd", p, 60*time.Second, func() error {
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		_, err := d.Run(cctx, "", "version", "--format", "{{.Server.Version}}")
		return err
	})
}

// Env returns DOCKER_HOST and DOCKER_CONFIG settings for programs that
// should talk to this daemon; dockerConfigDir may be "" for an empty
// configuration.
func (d *Docker) Env(dockerConfigDir string) []string {
	if dockerConfigDir == "" {
		dockerConfigDir = d.clientConfig
	}
	return []string{"DOCKER_HOST=unix://" + d.Socket, "DOCKER_CONFIG=" + dockerConfigDir}
}

// Run runs /usr/bin/docker against this daemon, with DOCKER_HOST set to
// the socket and DOCKER_CONFIG set to dockerConfigDir (when "", an empty
// private configuration, never the user's ~/.docker). It returns the
// command's standard output; on failure the error includes stderr. Output
// is also appended to docker-client.log next to LogFile.
func (d *Docker) Run(ctx context.Context, dockerConfigDir string, args ...string) (stdout string, err error) {
	return runCommand(ctx, filepath.Join(d.dir, "docker-client.log"), cleanEnv(d.Env(dockerConfigDir)...), dockerBin, args...)
}

// Close stops dockerd (SIGTERM; SIGKILL after 30s), force-deletes with runc
// any container it left running, stops its containerd (and kills container
// shims left behind), unmounts whatever is still mounted under
// the daemon's directories and removes the CA files written under
// /etc/docker/certs.d. The data root stays under workDir.
func (d *Docker) Close() error {
	if d == nil {
		return nil
	}
	d.closeOnce.Do(func() {
		var errs []error
		if d.dockerd != nil {
			errs = append(errs, d.dockerd.stop(30*time.Second))
		}
		// A dockerd that shut down cleanly stopped its containers; one that
		// was killed left them running.
		errs = append(errs, d.deleteContainers())
		if d.containerd != nil {
			errs = append(errs, d.containerd.stop(10*time.Second))
		}
		errs = append(errs, d.killShims(), d.cleanMounts())
		for _, f := range d.trusted {
			if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
				errs = append(errs, err)
			}
		}
		sort.Slice(d.trustedDirs, func(i, j int) bool { return len(d.trustedDirs[i]) > len(d.trustedDirs[j]) })
		for _, dir := range d.trustedDirs {
			_ = os.Remove(dir) // only if empty
		}
		if d.ownSockDir {
			_ = os.RemoveAll(d.sockDir)
		}
		d.closeErr = errors.Join(errs...)
	})
	return d.closeErr
}

// deleteContainers force-deletes (killing their processes and removing
// their cgroups) the containers still in the daemon's private runc state
// directories, <exec-root>/runtime-runc/<namespace>/<id>.
func (d *Docker) deleteContainers() error {
	base := filepath.Join(d.dir, "exec", "runtime-runc")
	namespaces, err := os.ReadDir(base)
	if err != nil {
		return nil // no container was ever started
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var errs []error
	for _, ns := range namespaces {
		root := filepath.Join(base, ns.Name())
		ids, err := os.ReadDir(root)
		if err != nil {
			continue
		}
		for _, id := range ids {
			if !id.IsDir() {
				continue
			}
			if _, err := runCommand(ctx, filepath.Join(d.dir, "cleanup.log"), cleanEnv(), runcPath(), "--root", root, "delete", "--force", id.Name()); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// killShims kills containerd shims still serving our containerd (they
// survive containerd when a container was left running); they are found by
// our containerd's unique socket path on their command line.
func (d *Docker) killShims() error {
	if d.containerdSck == "" {
		return nil
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return err
	}
	var errs []error
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		args := strings.Split(string(b), "\x00")
		if len(args) == 0 || !strings.HasPrefix(filepath.Base(args[0]), "containerd-shim") {
			continue
		}
		for _, a := range args {
			if a == d.containerdSck || a == "unix://"+d.containerdSck {
				if err := syscall.Kill(pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
					errs = append(errs, fmt.Errorf("kill shim %d: %w", pid, err))
				}
				break
			}
		}
	}
	return errors.Join(errs...)
}

// cleanMounts unmounts (lazily, deepest first) every mount point under the
// daemon's directory, such as the data root dockerd bind-mounts onto itself
// and overlay or shm mounts left by a daemon that was killed.
func (d *Docker) cleanMounts() error { return unmountAll(d.dir) }

// mountsUnder returns the mount points at or below dir, deepest first.
func mountsUnder(dir string) ([]string, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	s := bufio.NewScanner(f)
	s.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for s.Scan() {
		fields := strings.Fields(s.Text())
		if len(fields) < 5 {
			continue
		}
		mp := unescapeMountinfo(fields[4])
		if mp == dir || strings.HasPrefix(mp, dir+"/") {
			out = append(out, mp)
		}
	}
	if err := s.Err(); err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out, nil
}

// unescapeMountinfo decodes the octal escapes (\040 and friends) of
// /proc/self/mountinfo.
func unescapeMountinfo(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
