package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/mingo-build/mingo/e2e/internal/harness"
	"github.com/mingo-build/mingo/internal/sigstoretest"
)

// mingo signs with a key it generated; the stock cosign CLI verifies the
// index, a platform manifest, the SBOM and provenance attestations, offline
// against the loopback registry, and rejects a re-pushed tag.
func TestSignVerifiedByCosign(t *testing.T) {
	requireEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	cosignBin := installCosign(t, ctx)
	keys := t.TempDir()
	pass := []string{"COSIGN_PASSWORD=e2e-passphrase"}
	generateKey(t, keys, pass)
	repo := env.reg.Host + "/e2e/signed"
	key := filepath.Join(keys, "cosign.key")
	r := mingo(t, pass, "build", ".", "-t", repo+":v1", "--sign", "--key", key, "--tlog-upload=false", "--provenance")
	if r.err != nil {
		t.Fatalf("mingo build --sign: %v\n%s", r.err, r.stderr)
	}
	index := strings.TrimSpace(r.stdout)
	platform := repo + "@" + platformDigest(t, repo+":v1", "arm64")

	guard := harness.NewNetworkGuard()
	defer guard.Close()
	cosign := cosignRunner(t, ctx, cosignBin, guard, nil)
	pub := filepath.Join(keys, "cosign.pub")
	offline := []string{"--key", pub, "--insecure-ignore-tlog=true", "--offline=true"}
	for _, ref := range []string{repo + ":v1", index, platform} {
		if out, err := cosign(append(append([]string{"verify"}, offline...), ref)...); err != nil {
			t.Errorf("cosign verify %s: %v\n%s", ref, err, out)
		}
	}
	if out, err := cosign(append(append([]string{"verify-attestation"}, offline...), "--type", "spdxjson", platform)...); err != nil {
		t.Errorf("cosign verify-attestation --type spdxjson %s: %v\n%s", platform, err, out)
	}
	if out, err := cosign(append(append([]string{"verify-attestation"}, offline...), "--type", "slsaprovenance1", index)...); err != nil {
		t.Errorf("cosign verify-attestation --type slsaprovenance1 %s: %v\n%s", index, err, out)
	}

	// Tampered: another binary pushed under the same tag, unsigned.
	if r := mingo(t, nil, "build", ".", "-t", repo+":v1", "--ldflags", "-X main.tampered=1"); r.err != nil {
		t.Fatal(r.err)
	}
	if out, err := cosign(append(append([]string{"verify"}, offline...), repo+":v1")...); err == nil {
		t.Errorf("cosign verify of a re-pushed, unsigned tag succeeded:\n%s", out)
	}
	if leaks := guard.Leaks(); len(leaks) > 0 {
		t.Errorf("cosign reached beyond loopback: %v", leaks)
	}

	// Bad input: no passphrase, an unreachable Rekor, a wrong passphrase,
	// keyless without a token or without the transparency log.
	for _, tc := range []struct {
		env  []string
		args []string
		want string
	}{
		{nil, []string{"--sign", "--key", key, "--tlog-upload=false"}, "COSIGN_PASSWORD"},
		{pass, []string{"--sign", "--key", key, "--rekor-url", "http://127.0.0.1:1"}, "--tlog-upload=false"},
		{[]string{"COSIGN_PASSWORD=wrong"}, []string{"--sign", "--key", key, "--tlog-upload=false"}, "passphrase"},
		{nil, []string{"--sign"}, "OIDC"},
		{[]string{"SIGSTORE_ID_TOKEN=x"}, []string{"--sign", "--tlog-upload=false"}, "transparency log"},
	} {
		env := append([]string{"SIGSTORE_ID_TOKEN=", "ACTIONS_ID_TOKEN_REQUEST_URL="}, tc.env...)
		r := mingo(t, env, append([]string{"build", ".", "-t", repo + ":bad"}, tc.args...)...)
		if r.err == nil || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("mingo build %v: %v, stderr %q, want %q", tc.args, r.err, r.stderr, tc.want)
		}
	}
}

// installCosign returns the path of the pinned cosign CLI, built on first use.
func installCosign(t *testing.T, ctx context.Context) string {
	t.Helper()
	bin, err := harness.InstallCosign(ctx, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// generateKey runs mingo generate-key into dir with the passphrase in pass.
func generateKey(t *testing.T, dir string, pass []string) {
	t.Helper()
	gen := exec.Command(env.mingo, "generate-key", "--dir", dir)
	gen.Env = append(os.Environ(), pass...)
	if out, err := gen.CombinedOutput(); err != nil {
		t.Fatalf("mingo generate-key: %v\n%s", err, out)
	}
}

// cosignRunner returns a function that runs the cosign CLI offline against
// the test registry, with extra environment, and returns its output.
func cosignRunner(t *testing.T, ctx context.Context, bin string, guard *harness.NetworkGuard, extra []string) func(args ...string) (string, error) {
	home := t.TempDir()
	return func(args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Env = append(harness.CosignEnv(env.reg, home, guard), extra...)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		return out.String(), err
	}
}

// Signatures recorded in a transparency log: mingo signs with a key and
// keylessly (an OIDC token, a Fulcio certificate) against a Fulcio and a
// Rekor on loopback, and the stock cosign CLI verifies the signatures, the
// Rekor bundles and the SBOM attestation without --insecure-ignore-tlog,
// trusting only the test's Fulcio root and Rekor key.
func TestSignWithTransparencyLog(t *testing.T) {
	requireEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	cosignBin := installCosign(t, ctx)
	const identity = "https://github.com/acme/api/.github/workflows/release.yml@refs/tags/v1"
	const issuer = "https://token.actions.githubusercontent.com"
	token := "e2e-oidc-token"
	fu, re := sigstoretest.NewFulcio(t, token, identity, issuer), sigstoretest.NewRekor(t)
	fs, rs := httptest.NewServer(fu), httptest.NewServer(re)
	defer fs.Close()
	defer rs.Close()
	dir := t.TempDir()
	rootFile, rekorKey := filepath.Join(dir, "fulcio-root.pem"), filepath.Join(dir, "rekor.pub")
	if err := os.WriteFile(rootFile, fu.RootPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(rekorKey, re.PublicKeyPEM(), 0o644); err != nil {
		t.Fatal(err)
	}
	guard := harness.NewNetworkGuard()
	defer guard.Close()
	cosign := cosignRunner(t, ctx, cosignBin, guard, []string{"SIGSTORE_REKOR_PUBLIC_KEY=" + rekorKey, "SIGSTORE_ROOT_FILE=" + rootFile})

	// With a key, recorded in Rekor.
	pass := []string{"COSIGN_PASSWORD="}
	generateKey(t, dir, pass)
	keyed := env.reg.Host + "/e2e/tlog-key"
	if r := mingo(t, pass, "build", ".", "-t", keyed+":v1", "--sign", "--key", filepath.Join(dir, "cosign.key"), "--rekor-url", rs.URL); r.err != nil {
		t.Fatalf("mingo build --sign --key --rekor-url: %v\n%s", r.err, r.stderr)
	}
	if out, err := cosign("verify", "--key", filepath.Join(dir, "cosign.pub"), "--rekor-url", rs.URL, keyed+":v1"); err != nil {
		t.Errorf("cosign verify --key (with the transparency log) %s: %v\n%s", keyed, err, out)
	}

	// Keyless, with the token a CI job would have.
	keyless := env.reg.Host + "/e2e/tlog-keyless"
	r := mingo(t, []string{"SIGSTORE_ID_TOKEN=" + token}, "build", ".", "-t", keyless+":v1", "--sign", "--fulcio-url", fs.URL, "--rekor-url", rs.URL)
	if r.err != nil {
		t.Fatalf("mingo build --sign (keyless): %v\n%s", r.err, r.stderr)
	}
	if fu.Calls() != 1 {
		t.Errorf("Fulcio called %d times for one build, want 1", fu.Calls())
	}
	who := []string{"--certificate-identity", identity, "--certificate-oidc-issuer", issuer, "--insecure-ignore-sct", "--rekor-url", rs.URL}
	platform := keyless + "@" + platformDigest(t, keyless+":v1", "amd64")
	for _, ref := range []string{keyless + ":v1", platform} {
		if out, err := cosign(append(append([]string{"verify"}, who...), ref)...); err != nil {
			t.Errorf("cosign verify (keyless) %s: %v\n%s", ref, err, out)
		}
	}
	for _, ref := range []string{keyless + ":v1", platform} {
		if out, err := cosign(append(append([]string{"verify-attestation", "--type", "spdxjson"}, who...), ref)...); err != nil {
			t.Errorf("cosign verify-attestation --type spdxjson (keyless) %s: %v\n%s", ref, err, out)
		}
	}
	// Another identity is refused.
	other := append([]string{"verify", "--certificate-identity", "https://github.com/evil/fork/.github/workflows/x.yml@refs/heads/main"}, who[2:]...)
	if out, err := cosign(append(other, keyless+":v1")...); err == nil {
		t.Errorf("cosign verify accepted another identity:\n%s", out)
	}
	kinds, _ := re.Entries()
	// Key: index + 2 platforms signed, their 3 SBOMs (the index's too)
	// attested; keyless the same.
	if len(kinds) != 12 {
		t.Errorf("Rekor got %d entries (%v), want 12", len(kinds), kinds)
	}
	if leaks := guard.Leaks(); len(leaks) > 0 {
		t.Errorf("cosign reached beyond loopback: %v", leaks)
	}
}

// platformDigest returns the digest of ref's image for arch.
func platformDigest(t *testing.T, ref, arch string) string {
	t.Helper()
	for _, d := range indexOf(t, ref).Manifests {
		if d.Platform.Architecture == arch {
			return d.Digest.String()
		}
	}
	t.Fatalf("%s has no %s image", ref, arch)
	return ""
}

func indexOf(t *testing.T, ref string) v1.IndexManifest {
	t.Helper()
	var idx v1.IndexManifest
	if err := json.Unmarshal(inspectRaw(t, ref), &idx); err != nil {
		t.Fatal(err)
	}
	return idx
}

// mingo verify rebuilds what is in the registry and finds it identical;
// after a source change it reports the mismatch and fails.
func TestVerifyRebuild(t *testing.T) {
	requireEnv(t)
	src := t.TempDir()
	if err := os.CopyFS(src, os.DirFS(env.probeDir)); err != nil {
		t.Fatal(err)
	}
	ref := env.reg.Host + "/e2e/verify:v1"
	run := func(extra []string, args ...string) result {
		cmd := exec.Command(env.mingo, args...)
		cmd.Dir = src
		cmd.Env = append(os.Environ(), "SSL_CERT_FILE="+env.reg.CAFile, "DOCKER_CONFIG="+env.reg.DockerConfigDir, "MINGO_CACHE="+filepath.Join(env.work, "cache"))
		cmd.Env = append(cmd.Env, extra...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		return result{stdout.String(), stderr.String(), err}
	}
	if r := run([]string{"SOURCE_DATE_EPOCH=1700000000"}, "build", ".", "-t", ref, "--platform", "linux/amd64,linux/arm64,linux/arm/v7"); r.err != nil {
		t.Fatalf("build: %v\n%s", r.err, r.stderr)
	}
	r := run(nil, "verify", ".", ref)
	if r.err != nil || strings.Count(r.stdout, " match ") != 4 {
		t.Fatalf("verify of an unchanged build: %v\n%s%s", r.err, r.stdout, r.stderr)
	}
	main := filepath.Join(src, "main.go")
	b, _ := os.ReadFile(main)
	os.WriteFile(main, bytes.Replace(b, []byte(`"probe"`), []byte(`"changed"`), 1), 0o644)
	r = run(nil, "verify", ".", ref)
	if r.err == nil || strings.Count(r.stdout, "MISMATCH") != 3 {
		t.Errorf("verify of changed source: %v\n%s%s", r.err, r.stdout, r.stderr)
	}
}
