package harness

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestHarness starts every real component and proves each works: a TLS +
// htpasswd registry, a multi-platform image pushed to it, a private dockerd
// that pulls and runs the native platform, runc (via skopeo and umoci)
// running the arm64 and arm/v7 platforms under qemu-user-static, a plain
// HTTP registry, an oci: layout source, and the cleanup done by Close.
func TestHarness(t *testing.T) {
	requireHarness(t)
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	step := func(format string, args ...any) {
		t.Logf("[%6.2fs] %s", time.Since(start).Seconds(), fmt.Sprintf(format, args...))
	}

	if err := EnsurePackages(ctx, t.Logf); err != nil {
		t.Fatalf("EnsurePackages: %v", err)
	}
	step("packages present")
	work := t.TempDir()

	// Registry with TLS and auth.
	reg, err := StartRegistry(ctx, work, RegistryOptions{TLS: true, Auth: true})
	if err != nil {
		t.Fatalf("StartRegistry: %v", err)
	}
	t.Cleanup(func() {
		if err := reg.Close(); err != nil {
			t.Errorf("Registry.Close: %v", err)
		}
	})
	dumpLogsOnFailure(t, reg.LogFile)
	step("registry up at %s (log %s)", reg.Host, reg.LogFile)
	if reg.CAFile == "" || reg.User == "" || reg.Password == "" {
		t.Fatalf("registry with TLS+Auth lacks CAFile/User/Password: %+v", reg)
	}
	if !strings.HasPrefix(reg.Host, "127.0.0.1:") {
		t.Fatalf("registry host %q is not on 127.0.0.1", reg.Host)
	}
	client := reg.HTTPClient()
	for _, c := range []struct {
		name       string
		user, pass string
		want       int
	}{
		{"no credentials", "", "", http.StatusUnauthorized},
		{"wrong password", reg.User, reg.Password + "x", http.StatusUnauthorized},
		{"right password", reg.User, reg.Password, http.StatusOK},
	} {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "https://"+reg.Host+"/v2/", nil)
		if c.user != "" {
			req.SetBasicAuth(c.user, c.pass)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("GET /v2/ (%s): %v", c.name, err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("GET /v2/ (%s) = %s, want %d", c.name, resp.Status, c.want)
		}
	}
	// The CA is really needed: a client with only the system roots fails.
	if resp, err := http.Get("https://" + reg.Host + "/v2/"); err == nil {
		resp.Body.Close()
		t.Errorf("GET /v2/ with system roots succeeded; want a certificate error")
	}
	var dockerCfg struct {
		Auths map[string]struct{ Auth string } `json:"auths"`
	}
	if b, err := os.ReadFile(filepath.Join(reg.DockerConfigDir, "config.json")); err != nil {
		t.Fatal(err)
	} else if err := json.Unmarshal(b, &dockerCfg); err != nil || dockerCfg.Auths[reg.Host].Auth == "" {
		t.Fatalf("DockerConfigDir/config.json has no auth for %s: %s (%v)", reg.Host, b, err)
	}

	// A two-platform image: a static Go program printing its GOARCH.
	bins := map[string][]byte{}
	for _, platform := range testPlatforms {
		bins[platform] = buildHello(t, ctx, platform)
	}
	step("built hello for %s", strings.Join(testPlatforms, ", "))
	p := pusher{ctx: ctx, client: client, base: "https://" + reg.Host, user: reg.User, pass: reg.Password}
	ref := reg.Host + "/harness/hello:v1"
	if err := p.pushIndex("harness/hello", "v1", bins); err != nil {
		t.Fatalf("push: %v", err)
	}
	step("pushed %s", ref)

	// dockerd pulls (with the registry's credentials) and runs it.
	d, err := StartDocker(ctx, work, reg)
	if err != nil {
		t.Fatalf("StartDocker: %v", err)
	}
	t.Cleanup(func() {
		if err := d.Close(); err != nil {
			t.Errorf("Docker.Close: %v", err)
		}
	})
	dumpLogsOnFailure(t, d.LogFile, filepath.Join(filepath.Dir(d.LogFile), "containerd.log"))
	step("dockerd up at %s (log %s)", d.Socket, d.LogFile)
	caCopy := filepath.Join(dockerCertsDir, reg.Host, "ca.crt")
	if _, err := os.Stat(caCopy); err != nil {
		t.Errorf("CA not installed for dockerd: %v", err)
	}
	if info, err := d.Run(ctx, "", "info", "--format", "{{.Driver}} {{.CgroupVersion}}"); err != nil {
		t.Fatalf("docker info: %v", err)
	} else {
		step("docker info: storage driver and cgroup version: %s", strings.TrimSpace(info))
	}
	if _, err := d.Run(ctx, reg.DockerConfigDir, "pull", ref); err != nil {
		t.Fatalf("docker pull: %v", err)
	}
	out, err := d.Run(ctx, reg.DockerConfigDir, "run", "--rm", ref, "from-docker")
	if err != nil {
		t.Fatalf("docker run: %v", err)
	}
	if want := runtime.GOARCH + " from-docker"; strings.TrimSpace(out) != want {
		t.Errorf("docker run printed %q, want %q", out, want)
	}
	step("docker run: %q", strings.TrimSpace(out))

	// runc runs the arm64 platform under qemu.
	if err := EnableQEMU(); err != nil {
		t.Fatalf("EnableQEMU: %v", err)
	}
	if err := EnableQEMU(); err != nil {
		t.Fatalf("EnableQEMU (again, must be idempotent): %v", err)
	}
	if runtime.GOARCH != "arm64" {
		b, err := os.ReadFile("/proc/sys/fs/binfmt_misc/qemu-aarch64")
		if enabled, flags := parseBinfmtEntry(string(b)); err != nil || !enabled || !strings.Contains(flags, "F") {
			t.Errorf("qemu-aarch64 not enabled with the F flag: %q %v", b, err)
		}
	}
	step("qemu enabled")
	out, err = RunImage(ctx, work, reg, "docker://"+ref, "linux/arm64", "from-runc", "two")
	if err != nil {
		t.Fatalf("RunImage linux/arm64: %v", err)
	}
	if want := "arm64 from-runc two"; strings.TrimSpace(out) != want {
		t.Errorf("RunImage linux/arm64 printed %q, want %q", out, want)
	}
	step("RunImage linux/arm64: %q", strings.TrimSpace(out))
	out, err = RunImage(ctx, work, reg, "docker://"+ref, "linux/arm/v7")
	if err != nil {
		t.Fatalf("RunImage linux/arm/v7: %v", err)
	}
	if want := "arm"; strings.TrimSpace(out) != want {
		t.Errorf("RunImage linux/arm/v7 printed %q, want %q", out, want)
	}
	step("RunImage linux/arm/v7: %q", strings.TrimSpace(out))

	// A plain-HTTP registry without auth.
	plain, err := StartRegistry(ctx, work, RegistryOptions{})
	if err != nil {
		t.Fatalf("StartRegistry (plain): %v", err)
	}
	t.Cleanup(func() { _ = plain.Close() })
	dumpLogsOnFailure(t, plain.LogFile)
	if plain.CAFile != "" || plain.User != "" || plain.Password != "" {
		t.Errorf("plain registry has TLS or auth settings: %+v", plain)
	}
	if b, err := os.ReadFile(filepath.Join(plain.DockerConfigDir, "config.json")); err != nil || strings.ReplaceAll(string(b), " ", "") != "{\n\"auths\":{}\n}\n" {
		t.Errorf("plain registry docker config = %q, %v; want an empty auths object", b, err)
	}
	pp := pusher{ctx: ctx, client: plain.HTTPClient(), base: "http://" + plain.Host}
	plainRef := plain.Host + "/harness/hello:plain"
	if err := pp.pushIndex("harness/hello", "plain", bins); err != nil {
		t.Fatalf("push (plain): %v", err)
	}
	out, err = RunImage(ctx, work, plain, "docker://"+plainRef, "linux/arm64")
	if err != nil {
		t.Fatalf("RunImage (plain) linux/arm64: %v", err)
	}
	if want := "arm64"; strings.TrimSpace(out) != want {
		t.Errorf("RunImage (plain) linux/arm64 printed %q, want %q", out, want)
	}
	if out, err := d.Run(ctx, plain.DockerConfigDir, "run", "--rm", plainRef); err != nil {
		t.Errorf("docker run (plain): %v", err)
	} else if strings.TrimSpace(out) != runtime.GOARCH {
		t.Errorf("docker run (plain) printed %q, want %q", out, runtime.GOARCH)
	}
	step("plain-HTTP registry at %s: pushed, ran with runc and docker", plain.Host)

	// An oci: layout source needs no registry.
	layout := filepath.Join(work, "layout")
	if err := writeLayout(layout, "v1", bins); err != nil {
		t.Fatal(err)
	}
	out, err = RunImage(ctx, work, nil, "oci:"+layout+":v1", "linux/amd64")
	if err != nil {
		t.Fatalf("RunImage oci: linux/amd64: %v", err)
	}
	if want := "amd64"; strings.TrimSpace(out) != want {
		t.Errorf("RunImage oci: linux/amd64 printed %q, want %q", out, want)
	}
	step("RunImage oci: linux/amd64: %q", strings.TrimSpace(out))

	// Close cleans up: no daemon left, CA removed, nothing mounted.
	if err := d.Close(); err != nil {
		t.Errorf("Docker.Close: %v", err)
	}
	if _, err := os.Stat(caCopy); !os.IsNotExist(err) {
		t.Errorf("%s still there after Close (%v)", caCopy, err)
	}
	if m, err := mountsUnder(work); err != nil || len(m) != 0 {
		t.Errorf("mounts left under %s after Close: %v %v", work, m, err)
	}
	if _, err := d.Run(ctx, "", "version"); err == nil {
		t.Errorf("dockerd still answers after Close")
	}
	if err := reg.Close(); err != nil {
		t.Errorf("Registry.Close: %v", err)
	}
	if resp, err := client.Get("https://" + reg.Host + "/v2/"); err == nil {
		resp.Body.Close()
		t.Errorf("registry still answers after Close")
	}
	step("closed")
}

// TestDockerVFS proves the vfs fallback of StartDocker works here: dockerd
// with --storage-driver=vfs imports and runs a container.
func TestDockerVFS(t *testing.T) {
	requireHarness(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := EnsurePackages(ctx, t.Logf); err != nil {
		t.Fatalf("EnsurePackages: %v", err)
	}
	t.Setenv(StorageDriverEnv, "vfs")
	work := t.TempDir()
	d, err := StartDocker(ctx, work)
	if err != nil {
		t.Fatalf("StartDocker: %v", err)
	}
	dumpLogsOnFailure(t, d.LogFile)
	defer func() {
		if err := d.Close(); err != nil {
			t.Errorf("Docker.Close: %v", err)
		}
		if m, err := mountsUnder(work); err != nil || len(m) != 0 {
			t.Errorf("mounts left under %s after Close: %v %v", work, m, err)
		}
	}()
	if out, err := d.Run(ctx, "", "info", "--format", "{{.Driver}}"); err != nil || strings.TrimSpace(out) != "vfs" {
		t.Fatalf("docker info: driver %q, %v; want vfs", out, err)
	}
	var tarBuf bytes.Buffer
	tw := tar.NewWriter(&tarBuf)
	bin := buildHello(t, ctx, "linux/"+runtime.GOARCH)
	if err := tw.WriteHeader(&tar.Header{Name: "hello", Mode: 0o755, Size: int64(len(bin)), Typeflag: tar.TypeReg}); err != nil {
		t.Fatal(err)
	}
	if _, err := tw.Write(bin); err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	rootfs := filepath.Join(work, "rootfs.tar")
	if err := os.WriteFile(rootfs, tarBuf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Run(ctx, "", "import", "--change", `ENTRYPOINT ["/hello"]`, rootfs, "hello:vfs"); err != nil {
		t.Fatalf("docker import: %v", err)
	}
	out, err := d.Run(ctx, "", "run", "--rm", "hello:vfs", "on-vfs")
	if err != nil {
		t.Fatalf("docker run: %v", err)
	}
	if want := runtime.GOARCH + " on-vfs"; strings.TrimSpace(out) != want {
		t.Errorf("docker run printed %q, want %q", out, want)
	}
}

// requireHarness skips the test, loudly, when the real components cannot
// run here, and fails it instead on CI (CI=true), where they must.
func requireHarness(t *testing.T) {
	t.Helper()
	if why := Unavailable(); why != "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("real-component harness unavailable on CI: %s", why)
		}
		t.Skipf("SKIPPING the real-component harness test (it needs a root Linux machine with apt-get): %s", why)
	}
}

// dumpLogsOnFailure logs the tail of each log file if the test has failed
// by the time it ends (the work directory is removed afterwards).
func dumpLogsOnFailure(t *testing.T, files ...string) {
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		for _, f := range files {
			t.Logf("--- %s (tail):\n%s", f, logTail(f, 40))
		}
	})
}

// TestParsePlatform covers the platform strings RunImage accepts.
func TestParsePlatform(t *testing.T) {
	for _, c := range []struct{ in, os, arch, variant string }{
		{"linux/arm64", "linux", "arm64", ""},
		{"linux/arm/v7", "linux", "arm", "v7"},
	} {
		o, a, v, err := parsePlatform(c.in)
		if err != nil || o != c.os || a != c.arch || v != c.variant {
			t.Errorf("parsePlatform(%q) = %q %q %q %v", c.in, o, a, v, err)
		}
	}
	for _, bad := range []string{"", "linux", "linux/", "/arm64", "a/b/c/d"} {
		if _, _, _, err := parsePlatform(bad); err == nil {
			t.Errorf("parsePlatform(%q) succeeded", bad)
		}
	}
}

// TestUnescapeMountinfo covers the octal escapes of /proc/self/mountinfo.
func TestUnescapeMountinfo(t *testing.T) {
	if got := unescapeMountinfo(`/tmp/a\040b\134c`); got != `/tmp/a b\c` {
		t.Errorf("got %q", got)
	}
}

const helloSource = `package main

import (
	"fmt"
	"os"
	"runtime"
	"strings"
)

func main() {
	fmt.Println(strings.Join(append([]string{runtime.GOARCH}, os.Args[1:]...), " "))
}
`

// testPlatforms are the platforms of the test image.
var testPlatforms = []string{"linux/amd64", "linux/arm64", "linux/arm/v7"}

// buildHello compiles, for platform ("linux/arch[/vN]"), a static program
// printing its GOARCH followed by its arguments.
func buildHello(t *testing.T, ctx context.Context, platform string) []byte {
	t.Helper()
	_, arch, variant, err := parsePlatform(platform)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(helloSource), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module hello\n\ngo 1.21\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "hello")
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+arch, "GOFLAGS=", "GOWORK=off")
	if arch == "arm" {
		cmd.Env = append(cmd.Env, "GOARM="+strings.TrimPrefix(variant, "v"))
	}
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build hello for %s: %v\n%s", arch, err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// OCI media types used by the test image.
const (
	mtIndex    = "application/vnd.oci.image.index.v1+json"
	mtManifest = "application/vnd.oci.image.manifest.v1+json"
	mtConfig   = "application/vnd.oci.image.config.v1+json"
	mtLayer    = "application/vnd.oci.image.layer.v1.tar+gzip"
)

type descriptor struct {
	MediaType string            `json:"mediaType"`
	Digest    string            `json:"digest"`
	Size      int               `json:"size"`
	Platform  map[string]string `json:"platform,omitempty"`
}

func digestOf(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

func describe(mediaType string, b []byte) descriptor {
	return descriptor{MediaType: mediaType, Digest: digestOf(b), Size: len(b)}
}

// testImage is a multi-platform OCI index with all its blobs and manifests.
type testImage struct {
	index     []byte
	manifests [][]byte
	blobs     [][]byte // configs and layers
}

// buildIndex builds an OCI index with one single-layer image per platform
// of testPlatforms, each holding its binary as /hello, the entrypoint.
func buildIndex(bins map[string][]byte) (*testImage, error) {
	img := &testImage{}
	var manifests []descriptor
	for _, platform := range testPlatforms {
		bin, ok := bins[platform]
		if !ok {
			continue
		}
		osName, arch, variant, err := parsePlatform(platform)
		if err != nil {
			return nil, err
		}
		var tarBuf bytes.Buffer
		tw := tar.NewWriter(&tarBuf)
		if err := tw.WriteHeader(&tar.Header{Name: "hello", Mode: 0o755, Size: int64(len(bin)), Typeflag: tar.TypeReg, ModTime: time.Unix(0, 0)}); err != nil {
			return nil, err
		}
		if _, err := tw.Write(bin); err != nil {
			return nil, err
		}
		if err := tw.Close(); err != nil {
			return nil, err
		}
		var gzBuf bytes.Buffer
		gz := gzip.NewWriter(&gzBuf)
		if _, err := io.Copy(gz, bytes.NewReader(tarBuf.Bytes())); err != nil {
			return nil, err
		}
		if err := gz.Close(); err != nil {
			return nil, err
		}
		layer := gzBuf.Bytes()
		cfg := map[string]any{
			"architecture": arch,
			"os":           osName,
			"created":      "1970-01-01T00:00:00Z",
			"config":       map[string]any{"Entrypoint": []string{"/hello"}},
			"rootfs":       map[string]any{"type": "layers", "diff_ids": []string{digestOf(tarBuf.Bytes())}},
			"history":      []map[string]any{{"created": "1970-01-01T00:00:00Z", "created_by": "mingo harness test"}},
		}
		if variant != "" {
			cfg["variant"] = variant
		}
		config, err := json.Marshal(cfg)
		if err != nil {
			return nil, err
		}
		manifest, err := json.Marshal(map[string]any{
			"schemaVersion": 2,
			"mediaType":     mtManifest,
			"config":        describe(mtConfig, config),
			"layers":        []descriptor{describe(mtLayer, layer)},
		})
		if err != nil {
			return nil, err
		}
		img.blobs = append(img.blobs, config, layer)
		img.manifests = append(img.manifests, manifest)
		md := describe(mtManifest, manifest)
		md.Platform = map[string]string{"architecture": arch, "os": osName}
		if variant != "" {
			md.Platform["variant"] = variant
		}
		manifests = append(manifests, md)
	}
	index, err := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": mtIndex, "manifests": manifests})
	if err != nil {
		return nil, err
	}
	img.index = index
	return img, nil
}

// writeLayout writes the test index as an OCI image layout tagged tag.
func writeLayout(dir, tag string, bins map[string][]byte) error {
	img, err := buildIndex(bins)
	if err != nil {
		return err
	}
	blobDir := filepath.Join(dir, "blobs", "sha256")
	if err := os.MkdirAll(blobDir, 0o755); err != nil {
		return err
	}
	for _, b := range append(append(append([][]byte{}, img.blobs...), img.manifests...), img.index) {
		if err := os.WriteFile(filepath.Join(blobDir, strings.TrimPrefix(digestOf(b), "sha256:")), b, 0o644); err != nil {
			return err
		}
	}
	top := describe(mtIndex, img.index)
	outer, err := json.Marshal(map[string]any{
		"schemaVersion": 2,
		"mediaType":     mtIndex,
		"manifests": []map[string]any{{
			"mediaType":   top.MediaType,
			"digest":      top.Digest,
			"size":        top.Size,
			"annotations": map[string]string{"org.opencontainers.image.ref.name": tag},
		}},
	})
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "index.json"), outer, 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "oci-layout"), []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644)
}

// pusher is a minimal OCI distribution client with basic auth.
type pusher struct {
	ctx        context.Context
	client     *http.Client
	base       string
	user, pass string
}

func (p pusher) do(method, u, contentType string, body []byte) (*http.Response, error) {
	req, err := http.NewRequestWithContext(p.ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if p.user != "" {
		req.SetBasicAuth(p.user, p.pass)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return nil, err
	}
	return resp, nil
}

func expect(resp *http.Response, want int, what string) error {
	defer resp.Body.Close()
	if resp.StatusCode != want {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return fmt.Errorf("%s: %s, want %d: %s", what, resp.Status, want, b)
	}
	return nil
}

func (p pusher) pushBlob(repo string, b []byte) error {
	dgst := digestOf(b)
	resp, err := p.do(http.MethodHead, p.base+"/v2/"+repo+"/blobs/"+dgst, "", nil)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		return nil
	}
	resp, err = p.do(http.MethodPost, p.base+"/v2/"+repo+"/blobs/uploads/", "", nil)
	if err != nil {
		return err
	}
	loc := resp.Header.Get("Location")
	if err := expect(resp, http.StatusAccepted, "start upload"); err != nil {
		return err
	}
	base, _ := url.Parse(p.base + "/")
	u, err := base.Parse(loc)
	if err != nil {
		return fmt.Errorf("upload location %q: %w", loc, err)
	}
	q := u.Query()
	q.Set("digest", dgst)
	u.RawQuery = q.Encode()
	resp, err = p.do(http.MethodPut, u.String(), "application/octet-stream", b)
	if err != nil {
		return err
	}
	return expect(resp, http.StatusCreated, "upload "+dgst)
}

func (p pusher) pushManifest(repo, ref, mediaType string, b []byte) error {
	resp, err := p.do(http.MethodPut, p.base+"/v2/"+repo+"/manifests/"+ref, mediaType, b)
	if err != nil {
		return err
	}
	return expect(resp, http.StatusCreated, "put manifest "+ref)
}

// pushIndex pushes the multi-platform test image as repo:tag.
func (p pusher) pushIndex(repo, tag string, bins map[string][]byte) error {
	img, err := buildIndex(bins)
	if err != nil {
		return err
	}
	for _, b := range img.blobs {
		if err := p.pushBlob(repo, b); err != nil {
			return err
		}
	}
	for _, m := range img.manifests {
		if err := p.pushManifest(repo, digestOf(m), mtManifest, m); err != nil {
			return err
		}
	}
	return p.pushManifest(repo, tag, mtIndex, img.index)
}

// TestPodman proves StartPodman's service works on its own store: an
// image imported with the podman command line is listed through the
// socket's Docker-compatible API, `podman run` runs it, and Close stops the
// service and leaves nothing mounted.
func TestPodman(t *testing.T) {
	requireHarness(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := EnsurePackages(ctx, t.Logf); err != nil {
		t.Fatalf("EnsurePackages: %v", err)
	}
	work := t.TempDir()
	p, err := StartPodman(ctx, work)
	if err != nil {
		t.Fatalf("StartPodman: %v", err)
	}
	dumpLogsOnFailure(t, p.LogFile)
	closed := false
	defer func() {
		if !closed {
			_ = p.Close()
		}
	}()
	if env := p.Env(); len(env) != 1 || env[0] != "DOCKER_HOST=unix://"+p.Socket {
		t.Errorf("Env() = %q", env)
	}
	client := p.HTTPClient()
	var version struct{ Version, Os, Arch string }
	getJSON(t, ctx, client, "http://d/version", &version)
	if version.Os != "linux" || version.Arch != runtime.GOARCH || !strings.HasPrefix(version.Version, "4.") {
		t.Errorf("GET /version = %+v, want podman 4.x on linux/%s", version, runtime.GOARCH)
	}

	var tarBuf bytes.Buffer
	tw := tar.NewWriter(&tarBuf)
	bin := buildHello(t, ctx, "linux/"+runtime.GOARCH)
	if err := tw.WriteHeader(&tar.Header{Name: "hello", Mode: 0o755, Size: int64(len(bin)), Typeflag: tar.TypeReg}); err != nil {
		t.Fatal(err)
	}
	if _, err := tw.Write(bin); err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	rootfs := filepath.Join(work, "rootfs.tar")
	if err := os.WriteFile(rootfs, tarBuf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Run(ctx, "import", "--change", `ENTRYPOINT ["/hello"]`, rootfs, "localhost/hello:podman"); err != nil {
		t.Fatalf("podman import: %v", err)
	}
	var images []struct{ RepoTags []string }
	getJSON(t, ctx, client, "http://d/images/json", &images)
	if len(images) != 1 || len(images[0].RepoTags) != 1 || images[0].RepoTags[0] != "localhost/hello:podman" {
		t.Errorf("GET /images/json through the socket = %+v, want the imported localhost/hello:podman", images)
	}
	out, err := p.Run(ctx, "run", "--rm", "--network=none", "localhost/hello:podman", "on-podman")
	if err != nil {
		t.Fatalf("podman run: %v", err)
	}
	if want := runtime.GOARCH + " on-podman"; strings.TrimSpace(out) != want {
		t.Errorf("podman run printed %q, want %q", out, want)
	}

	closed = true
	if err := p.Close(); err != nil {
		t.Errorf("Podman.Close: %v", err)
	}
	if m, err := mountsUnder(work); err != nil || len(m) != 0 {
		t.Errorf("mounts left under %s after Close: %v %v", work, m, err)
	}
	if _, err := client.Get("http://d/_ping"); err == nil {
		t.Errorf("podman service still answers after Close")
	}
}

// getJSON GETs u with client and decodes the JSON answer into v.
func getJSON(t *testing.T, ctx context.Context, client *http.Client, u string, v any) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s %s", u, resp.Status, b)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("GET %s: %v in %s", u, err, b)
	}
}
