package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/mingo-build/mingo/e2e/internal/harness"
)

// mingoIn runs mingo like mingo() does, in dir instead of the probe module.
func mingoIn(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command(env.mingo, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "SSL_CERT_FILE="+env.reg.CAFile, "DOCKER_CONFIG="+env.reg.DockerConfigDir, "MINGO_CACHE="+filepath.Join(env.work, "cache"))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("mingo %s in %s: %v\n%s", strings.Join(args, " "), dir, err, stderr.String())
	}
	return stdout.String()
}

// A two-platform distroless image with zstd layers: every layer of both
// platform manifests is zstd, the same source in another directory gives
// the same digest, and podman (which reads zstd; Docker 20.10 does not)
// pulls and runs both platforms, arm64 under qemu.
func TestZstdPodman(t *testing.T) {
	requireEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	repo := env.reg.Host + "/e2e/zstd"
	mustMingo(t, "build", ".", "-t", repo+":v1", "--platform", "linux/amd64,linux/arm64", "--compression", "zstd")

	for _, arch := range []string{"amd64", "arm64"} {
		var m v1.Manifest
		if err := json.Unmarshal(inspectRaw(t, repo+"@"+platformDigest(t, repo+":v1", arch)), &m); err != nil {
			t.Fatal(err)
		}
		if len(m.Layers) != 4 {
			t.Errorf("%s: %d layers, want identity, tzdata, CA bundle, binary", arch, len(m.Layers))
		}
		for _, l := range m.Layers {
			if l.MediaType != "application/vnd.oci.image.layer.v1.tar+zstd" {
				t.Errorf("%s: layer %s has media type %s", arch, l.Digest, l.MediaType)
			}
		}
	}

	// Two checkouts outside git (no revision annotation) in different
	// directories: the same bytes.
	var built []string
	for range 2 {
		dir := t.TempDir()
		if err := os.CopyFS(dir, os.DirFS(env.probeDir)); err != nil {
			t.Fatal(err)
		}
		built = append(built, strings.TrimSpace(mingoIn(t, dir, "build", ".", "--push=false", "--platform", "linux/amd64,linux/arm64", "--compression", "zstd")))
	}
	if built[0] != built[1] || !strings.HasPrefix(built[0], "sha256:") {
		t.Errorf("zstd builds in two directories: %s, %s", built[0], built[1])
	}

	p, err := harness.StartPodman(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := p.Close(); err != nil {
			t.Errorf("podman Close: %v", err)
		}
	}()
	pull := []string{"pull", "--cert-dir", registryCertDir(t), "--authfile", filepath.Join(env.reg.DockerConfigDir, "config.json")}
	for _, arch := range []string{"amd64", "arm64"} {
		ref := repo + "@" + platformDigest(t, repo+":v1", arch)
		if _, err := p.Run(ctx, append(pull, ref)...); err != nil {
			t.Fatalf("podman pull %s: %v\n%s", arch, err, harnessLog(p.LogFile))
		}
		got, err := p.Run(ctx, "run", "--rm", "--network=none", ref, "zstd")
		if err != nil || strings.TrimSpace(got) != "probe linux/"+arch+" zstd" {
			t.Errorf("podman run %s: %q, %v", arch, got, err)
		}
	}
}

// --expose, --volume and --stop-signal reach the config Docker reads; the
// default gzip image pulls and runs on Docker 20.10, which reads no zstd.
func TestRuntimeConfigDocker(t *testing.T) {
	requireEnv(t)
	ctx := context.Background()
	ref := env.reg.Host + "/e2e/runtime:v1"
	mustMingo(t, "build", ".", "-t", ref, "--platform", "linux/amd64,linux/arm64",
		"--expose", "8080", "--expose", "53/udp", "--volume", "/data", "--stop-signal", "SIGINT")
	if _, err := env.docker.Run(ctx, env.reg.DockerConfigDir, "pull", ref); err != nil {
		t.Fatal(err)
	}
	out, err := env.docker.Run(ctx, env.reg.DockerConfigDir, "inspect", "--format", "{{json .Config}}", ref)
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		ExposedPorts map[string]struct{}
		Volumes      map[string]struct{}
		StopSignal   string
	}
	if err := json.Unmarshal([]byte(out), &cfg); err != nil {
		t.Fatalf("docker inspect: %v\n%s", err, out)
	}
	_, tcp := cfg.ExposedPorts["8080/tcp"]
	_, udp := cfg.ExposedPorts["53/udp"]
	_, data := cfg.Volumes["/data"]
	if !tcp || !udp || !data || cfg.StopSignal != "SIGINT" {
		t.Errorf("docker inspect .Config = %s", out)
	}
	got, err := env.docker.Run(ctx, env.reg.DockerConfigDir, "run", "--rm", "--network", "none", ref, "gzip")
	if err != nil || strings.TrimSpace(got) != "probe linux/amd64 gzip" {
		t.Errorf("docker run of the gzip image: %q, %v", got, err)
	}
	r := mingo(t, nil, "build", ".", "--push=false", "--expose", "99999")
	if r.err == nil || !strings.Contains(r.stderr, "1-65535") {
		t.Errorf("--expose 99999: %v, stderr %q", r.err, r.stderr)
	}
}

// The index of a key-signed two-platform image carries its own SBOM,
// attached (fallback tag) and attested, so the stock cosign CLI verifies an
// spdxjson attestation at the tag; every SBOM validates against the
// official SPDX 2.3 JSON schema and lists the CA bundle and tzdata.
func TestIndexSBOMAttested(t *testing.T) {
	requireEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	cosignBin := installCosign(t, ctx)
	keys := t.TempDir()
	pass := []string{"COSIGN_PASSWORD=e2e-passphrase"}
	generateKey(t, keys, pass)
	repo := env.reg.Host + "/e2e/indexsbom"
	sboms := t.TempDir()
	r := mingo(t, pass, "build", ".", "-t", repo+":v1", "--platform", "linux/amd64,linux/arm64",
		"--sign", "--key", filepath.Join(keys, "cosign.key"), "--tlog-upload=false", "--sbom-dir", sboms)
	if r.err != nil {
		t.Fatalf("mingo build --sign: %v\n%s", r.err, r.stderr)
	}
	index := strings.TrimSpace(r.stdout)

	guard := harness.NewNetworkGuard()
	defer guard.Close()
	cosign := cosignRunner(t, ctx, cosignBin, guard, nil)
	out, err := cosign("verify-attestation", "--key", filepath.Join(keys, "cosign.pub"), "--insecure-ignore-tlog=true", "--offline=true",
		"--type", "spdxjson", repo+":v1")
	if err != nil {
		t.Fatalf("cosign verify-attestation --type spdxjson at the tag: %v\n%s", err, out)
	}
	if leaks := guard.Leaks(); len(leaks) > 0 {
		t.Errorf("cosign reached beyond loopback: %v", leaks)
	}

	ref, err := name.ParseReference(index)
	if err != nil {
		t.Fatal(err)
	}
	doc := referrerSBOM(t, ref.(name.Digest))
	checkSPDX(t, "index", doc)
	var d struct {
		Packages []struct {
			SPDXID, Name, VersionInfo string
		} `json:"packages"`
	}
	json.Unmarshal(doc, &d)
	var images []string
	for _, p := range d.Packages {
		if strings.HasSuffix(p.SPDXID, "-Image") {
			images = append(images, p.VersionInfo)
		}
	}
	want := []string{platformDigest(t, repo+":v1", "amd64"), platformDigest(t, repo+":v1", "arm64")}
	if !slices.Equal(images, want) || d.Packages[0].VersionInfo != ref.(name.Digest).DigestStr() {
		t.Errorf("index SBOM describes %s with images %v, want %s with %v", d.Packages[0].VersionInfo, images, ref.(name.Digest).DigestStr(), want)
	}
	files, _ := filepath.Glob(filepath.Join(sboms, "*.spdx.json"))
	if len(files) != 3 {
		t.Errorf("--sbom-dir wrote %v, want two platforms and the index", files)
	}
	for _, f := range files {
		b, _ := os.ReadFile(f)
		checkSPDX(t, filepath.Base(f), b)
		if strings.HasSuffix(f, "_index.spdx.json") && !bytes.Equal(b, doc) {
			t.Errorf("%s differs from the index SBOM in the registry", f)
		}
	}
}

// referrerSBOM returns the SPDX document attached to digest, found through
// the sha256-<hex> fallback tag (Distribution 2.8 has no referrers API).
func referrerSBOM(t *testing.T, digest name.Digest) []byte {
	t.Helper()
	opts := []remote.Option{
		remote.WithAuth(&authn.Basic{Username: env.reg.User, Password: env.reg.Password}),
		remote.WithTransport(env.reg.HTTPClient().Transport),
	}
	refs, err := remote.Referrers(digest, opts...)
	if err != nil {
		t.Fatal(err)
	}
	rm, _ := refs.IndexManifest()
	for _, m := range rm.Manifests {
		if m.ArtifactType != "application/spdx+json" {
			continue
		}
		art, err := remote.Image(digest.Context().Digest(m.Digest.String()), opts...)
		if err != nil {
			t.Fatal(err)
		}
		ls, _ := art.Layers()
		rc, err := ls[0].Compressed()
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		var b bytes.Buffer
		b.ReadFrom(rc)
		return b.Bytes()
	}
	t.Fatalf("no SPDX referrer of %s among %+v", digest, rm.Manifests)
	return nil
}

// checkSPDX validates doc against the official SPDX 2.3 JSON schema (the
// copy the sbom package's tests pin by digest), with an independent
// validator (santhosh-tekuri/jsonschema), and checks it lists the CA
// bundle with the fallback module's version and tzdata with an IANA
// release, each with a checksum and contained in an image.
func checkSPDX(t *testing.T, what string, doc []byte) {
	t.Helper()
	raw, err := os.ReadFile("../sbom/testdata/spdx-schema-2.3.json")
	if err != nil {
		t.Fatal(err)
	}
	sch, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("http://spdx.org/rdf/terms/2.3", sch); err != nil {
		t.Fatal(err)
	}
	schema, err := c.Compile("http://spdx.org/rdf/terms/2.3")
	if err != nil {
		t.Fatal(err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if err := schema.Validate(v); err != nil {
		t.Errorf("%s does not validate as SPDX 2.3: %v", what, err)
	}
	var d struct {
		Packages []struct {
			SPDXID, Name, VersionInfo, SourceInfo string
			Checksums                             []struct{ ChecksumValue string }
		} `json:"packages"`
		Relationships []struct {
			SPDXElementID      string `json:"spdxElementId"`
			RelationshipType   string `json:"relationshipType"`
			RelatedSPDXElement string `json:"relatedSpdxElement"`
		} `json:"relationships"`
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, p := range d.Packages {
		if p.Name != "ca-certificates" && p.Name != "tzdata" {
			continue
		}
		ok := len(p.Checksums) == 1 && len(p.Checksums[0].ChecksumValue) == 64
		switch p.Name {
		case "ca-certificates":
			ok = ok && strings.HasPrefix(p.VersionInfo, "v0.0.0-") && strings.Contains(p.SourceInfo, "golang.org/x/crypto/x509roots/fallback@")
		case "tzdata":
			ok = ok && len(p.VersionInfo) == 5 && strings.Contains(p.SourceInfo, "zoneinfo.zip of Go go1.")
		}
		contained := false
		for _, r := range d.Relationships {
			contained = contained || r.RelationshipType == "CONTAINS" && r.RelatedSPDXElement == p.SPDXID && strings.HasSuffix(r.SPDXElementID, "Image")
		}
		if !ok || !contained {
			t.Errorf("%s: package %+v (contained in an image: %t)", what, p, contained)
		}
		found[p.Name] = true
	}
	if !found["ca-certificates"] || !found["tzdata"] {
		t.Errorf("%s lists %v, want ca-certificates and tzdata", what, found)
	}
}
