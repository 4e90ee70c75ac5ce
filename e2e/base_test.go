package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/mingo-build/mingo/e2e/internal/harness"
)

// checks parses the probe's "key=value" lines.
func checks(t *testing.T, out string) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		k, v, _ := strings.Cut(line, "=")
		m[k] = v
	}
	return m
}

// runBoth runs the probe with args in the amd64 image through docker and in
// the arm64 image through runc under qemu, and returns both outputs.
func runBoth(t *testing.T, ref string, args ...string) map[string]string {
	t.Helper()
	ctx := context.Background()
	if _, err := env.docker.Run(ctx, env.reg.DockerConfigDir, "pull", "-q", ref); err != nil {
		t.Fatal(err)
	}
	amd, err := env.docker.Run(ctx, env.reg.DockerConfigDir, append([]string{"run", "--rm", "--network", "none", ref}, args...)...)
	if err != nil {
		t.Fatal(err)
	}
	arm, err := harness.RunImage(ctx, t.TempDir(), env.reg, "docker://"+ref, "linux/arm64", args...)
	if err != nil {
		t.Fatal(err)
	}
	return map[string]string{"linux/amd64": amd, "linux/arm64": arm}
}

// The default base, distroless: trusted roots, time zones, a named
// non-root user and a writable /tmp, on both architectures.
func TestDistrolessProbe(t *testing.T) {
	requireEnv(t)
	ref := env.reg.Host + "/e2e/distroless:v1"
	mustMingo(t, "build", ".", "-t", ref)
	for plat, out := range runBoth(t, ref, "check") {
		c := checks(t, out)
		if n, err := strconv.Atoi(c["roots"]); err != nil || n <= 100 {
			t.Errorf("%s: roots=%s, want more than 100", plat, c["roots"])
		}
		if c["paris"] != "14:00" {
			t.Errorf("%s: paris=%s, want 14:00", plat, c["paris"])
		}
		if c["user"] != "65532 nonroot" {
			t.Errorf("%s: user=%s, want 65532 nonroot", plat, c["user"])
		}
		if c["tmp"] != "ok" {
			t.Errorf("%s: tmp=%s", plat, c["tmp"])
		}
	}
}

// scratch: the binary alone, so each of those fails.
func TestScratchProbe(t *testing.T) {
	requireEnv(t)
	ref := env.reg.Host + "/e2e/scratch:v1"
	mustMingo(t, "build", ".", "-t", ref, "--base", "scratch")
	for plat, out := range runBoth(t, ref, "check") {
		c := checks(t, out)
		for _, k := range []string{"paris", "user", "tmp"} {
			if !strings.HasPrefix(c[k], "error:") {
				t.Errorf("%s: %s=%s in scratch, want an error", plat, k, c[k])
			}
		}
		if c["roots"] != "0" && !strings.HasPrefix(c["roots"], "error:") {
			t.Errorf("%s: roots=%s in scratch, want none", plat, c["roots"])
		}
	}
}

// --ca-bundle with the test CA lets the program reach an HTTPS server signed
// by it (the test registry); the default Mozilla roots do not.
func TestCABundle(t *testing.T) {
	requireEnv(t)
	url := "https://" + env.reg.Host + "/v2/"
	for _, tc := range []struct {
		name, want string
		args       []string
	}{
		{"test CA", "get=401", []string{"--ca-bundle", env.reg.CAFile}},
		{"Mozilla roots", "get=error:", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ref := env.reg.Host + "/e2e/cabundle:" + strings.ReplaceAll(tc.name, " ", "-")
			mustMingo(t, append([]string{"build", ".", "-t", ref, "--platform", "linux/amd64"}, tc.args...)...)
			ctx := context.Background()
			out, err := env.docker.Run(ctx, env.reg.DockerConfigDir, "run", "--rm", "--network", "host", ref, "get", url)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(strings.TrimSpace(out), tc.want) {
				t.Errorf("probe get %s printed %q, want %q", url, out, tc.want)
			}
		})
	}
	bad := filepath.Join(t.TempDir(), "empty.pem")
	os.WriteFile(bad, []byte("not a certificate\n"), 0o644)
	r := mingo(t, nil, "build", ".", "--push=false", "--ca-bundle", bad)
	if r.err == nil || !strings.Contains(r.stderr, "no valid") {
		t.Errorf("--ca-bundle with no certificate: err %v, stderr %q", r.err, r.stderr)
	}
}

func configOf(t *testing.T, ref, platform string) v1.ConfigFile {
	t.Helper()
	os, arch, _ := strings.Cut(platform, "/")
	raw := skopeo(t, "inspect", "--config", "--raw", "--override-os", os, "--override-arch", arch, "--cert-dir", registryCertDir(t),
		"--authfile", filepath.Join(env.reg.DockerConfigDir, "config.json"), "docker://"+ref)
	var cf v1.ConfigFile
	if err := json.Unmarshal(raw, &cf); err != nil {
		t.Fatal(err)
	}
	return cf
}

// A registry base: a two-platform image pushed to the test registry (with
// Docker media types, as many public bases have), then a build on it that
// keeps its config and records it in annotations.
func TestRemoteBase(t *testing.T) {
	requireEnv(t)
	ociBase := env.reg.Host + "/e2e/base:oci"
	mustMingo(t, "build", ".", "-t", ociBase, "--base", "scratch", "--env", "FROM_BASE=yes", "--label", "base=probe", "--workdir", "/base", "--user", "1234")
	dockerBase := env.reg.Host + "/e2e/base:docker"
	skopeo(t, "copy", "--all", "--format", "v2s2", "--src-cert-dir", registryCertDir(t), "--dest-cert-dir", registryCertDir(t),
		"--authfile", filepath.Join(env.reg.DockerConfigDir, "config.json"), "docker://"+ociBase, "docker://"+dockerBase)

	ref := env.reg.Host + "/e2e/onbase:v1"
	out := mustMingo(t, "build", ".", "-t", ref, "--base", dockerBase, "--platform", "all", "--env", "MINE=1")
	raw := inspectRaw(t, ref)
	if ps := strings.Join(platforms(t, raw), ","); ps != "linux/amd64,linux/arm64" {
		t.Errorf("--platform all on a two-platform base built %s", ps)
	}
	var idx v1.IndexManifest
	json.Unmarshal(raw, &idx)
	baseDigest := strings.TrimSpace(string(skopeo(t, "inspect", "--format", "{{.Digest}}", "--cert-dir", registryCertDir(t),
		"--authfile", filepath.Join(env.reg.DockerConfigDir, "config.json"), "docker://"+dockerBase)))
	if idx.Annotations["org.opencontainers.image.base.name"] != dockerBase || idx.Annotations["org.opencontainers.image.base.digest"] != baseDigest {
		t.Errorf("index annotations %v, want base %s@%s", idx.Annotations, dockerBase, baseDigest)
	}
	var m v1.Manifest
	json.Unmarshal(inspectRaw(t, strings.Split(ref, ":v1")[0]+"@"+idx.Manifests[1].Digest.String()), &m)
	if len(m.Layers) != 2 { // the base's binary, then ours
		t.Errorf("image has %d layers, want the base's and ours", len(m.Layers))
	}
	for _, l := range m.Layers {
		if l.MediaType != m.Layers[0].MediaType {
			t.Errorf("layer media types mix: %s and %s", l.MediaType, m.Layers[0].MediaType)
		}
	}
	cf := configOf(t, ref, "linux/amd64")
	if !slices.Contains(cf.Config.Env, "FROM_BASE=yes") || !slices.Contains(cf.Config.Env, "MINE=1") || cf.Config.WorkingDir != "/base" || cf.Config.Labels["base"] != "probe" {
		t.Errorf("base config not kept: env %v, workdir %q, labels %v", cf.Config.Env, cf.Config.WorkingDir, cf.Config.Labels)
	}
	got, err := env.docker.Run(context.Background(), env.reg.DockerConfigDir, "run", "--rm", "--network", "none", strings.TrimSpace(out), "on-base")
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(got) != "probe linux/amd64 on-base" {
		t.Errorf("docker run printed %q", got)
	}

	r := mingo(t, nil, "build", ".", "-t", ref, "--base", dockerBase, "--platform", "linux/amd64,linux/arm/v7")
	if r.err == nil || !strings.Contains(r.stderr, "has no linux/arm/v7 image; it offers linux/amd64, linux/arm64") {
		t.Errorf("a platform the base lacks: err %v, stderr %q", r.err, r.stderr)
	}
}

// The image config flags reach the running container.
func TestConfigFlags(t *testing.T) {
	requireEnv(t)
	static := t.TempDir()
	os.WriteFile(filepath.Join(static, "index.html"), []byte("hi"), 0o600)
	ref := env.reg.Host + "/e2e/config:v1"
	mustMingo(t, "build", ".", "-t", ref, "--platform", "linux/amd64", "--user", "root", "--env", "LOG_LEVEL=debug",
		"--label", "team=payments", "--annotation", "org.opencontainers.image.description=payments API",
		"--workdir", "/srv", "--arg", "check", "--add", static+":/srv/static")
	ctx := context.Background()
	out, err := env.docker.Run(ctx, env.reg.DockerConfigDir, "run", "--rm", "--network", "none", ref)
	if err != nil {
		t.Fatal(err)
	}
	if c := checks(t, out); c["user"] != "0 root" || c["paris"] != "14:00" {
		t.Errorf("--user root --arg check printed %q", out)
	}
	got, err := env.docker.Run(ctx, env.reg.DockerConfigDir, "run", "--rm", "--network", "none", "--user", "65532", ref, "cat", "static/index.html")
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(got) != "cat=hi" {
		t.Errorf("an added file read by a non-root user from the workdir: %q", got)
	}
	cf := configOf(t, ref, "linux/amd64")
	if !slices.Contains(cf.Config.Env, "LOG_LEVEL=debug") || cf.Config.WorkingDir != "/srv" || cf.Config.Labels["team"] != "payments" || cf.Config.User != "0:0" {
		t.Errorf("config = %+v", cf.Config)
	}
	var m v1.Manifest
	json.Unmarshal(inspectRaw(t, ref), &m)
	if m.Annotations["org.opencontainers.image.description"] != "payments API" {
		t.Errorf("annotations = %v", m.Annotations)
	}
}
