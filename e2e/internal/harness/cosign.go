package harness

import (
	"context"
	"debug/buildinfo"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// cosignModule is the module the cosign CLI is built from.
const cosignModule = "github.com/sigstore/cosign/v2"

// InstallCosign returns the path of the cosign CLI at the version go.mod
// pins for cosignModule, building it with `go install` into
// os.UserCacheDir()/mingo-test/cosign-VERSION/ the first time (minutes on a
// cold cache), under a file lock so parallel test binaries build it once.
func InstallCosign(ctx context.Context, logf func(string, ...any)) (string, error) {
	if logf == nil {
		logf = func(string, ...any) {}
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("the go command is needed to build the cosign CLI: %w", err)
	}
	out, err := exec.CommandContext(ctx, goBin, "list", "-m", "-f", "{{.Version}}", cosignModule).Output()
	version := strings.TrimSpace(string(out))
	if err != nil || !strings.HasPrefix(version, "v2.") {
		return "", fmt.Errorf("cannot tell which %s version go.mod pins: %q %v", cosignModule, version, err)
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "mingo-test", "cosign-"+version)
	bin := filepath.Join(dir, "cosign")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	check := func() error {
		bi, err := buildinfo.ReadFile(bin)
		if err != nil {
			return err
		}
		if bi.Main.Path != cosignModule || bi.Main.Version != version {
			return fmt.Errorf("%s is %s@%s, want %s@%s", bin, bi.Main.Path, bi.Main.Version, cosignModule, version)
		}
		return nil
	}
	if check() == nil {
		return bin, nil
	}
	lock, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return "", err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", err
	}
	if check() == nil {
		return bin, nil
	}
	gobin, err := os.MkdirTemp(dir, "build-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(gobin)
	pkg := cosignModule + "/cmd/cosign@" + version
	logf("building %s (the first run takes minutes)", pkg)
	start := time.Now()
	cmd := exec.CommandContext(ctx, goBin, "install", pkg)
	cmd.Dir = gobin
	cmd.Env = append(os.Environ(), "GOBIN="+gobin, "GOFLAGS=", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go install %s: %v\n%s", pkg, err, out)
	}
	if err := os.Rename(filepath.Join(gobin, "cosign"), bin); err != nil {
		return "", err
	}
	if err := check(); err != nil {
		return "", err
	}
	logf("built %s in %s: %s", pkg, time.Since(start).Round(time.Second), bin)
	return bin, nil
}

// NetworkGuard is an HTTP proxy on loopback that refuses and records every
// request: point a tool's HTTPS_PROXY at it to prove it uses no network
// beyond loopback (Go never proxies loopback addresses).
type NetworkGuard struct {
	srv   *httptest.Server
	mu    sync.Mutex
	leaks []string
}

// NewNetworkGuard starts a guard; Close stops it.
func NewNetworkGuard() *NetworkGuard {
	g := &NetworkGuard{}
	g.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		g.mu.Lock()
		g.leaks = append(g.leaks, r.Method+" "+r.Host+r.URL.RequestURI())
		g.mu.Unlock()
		http.Error(w, "mingo test: no network beyond loopback", http.StatusForbidden)
	}))
	return g
}

// Leaks lists the requests the guard refused.
func (g *NetworkGuard) Leaks() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.leaks...)
}

// Close stops the guard.
func (g *NetworkGuard) Close() { g.srv.Close() }

// CosignEnv is the environment for running cosign offline against reg:
// its credentials and CA, a private HOME, every non-loopback request sent
// to the guard, and TUF pointed at the guard with an empty root so that
// cosign gives up fetching trusted roots (key-based verification with
// --insecure-ignore-tlog needs none) instead of reaching sigstore.dev.
func CosignEnv(reg *Registry, home string, g *NetworkGuard) []string {
	return []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + home,
		"TMPDIR=" + home,
		"DOCKER_CONFIG=" + reg.DockerConfigDir,
		"SSL_CERT_FILE=" + reg.CAFile,
		"HTTPS_PROXY=" + g.srv.URL,
		"HTTP_PROXY=" + g.srv.URL,
		"NO_PROXY=",
		"TUF_MIRROR=" + g.srv.URL + "/tuf",
		"TUF_ROOT=" + filepath.Join(home, "tuf"),
		"SIGSTORE_NO_CACHE=true",
	}
}
