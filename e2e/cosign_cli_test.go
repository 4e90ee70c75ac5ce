package e2e

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/mingo-build/mingo/e2e/internal/harness"
	"github.com/mingo-build/mingo/sign"
)

// spdxDocument is a small valid SPDX 2.3 JSON document.
const spdxDocument = `{
  "spdxVersion": "SPDX-2.3",
  "dataLicense": "CC0-1.0",
  "SPDXID": "SPDXRef-DOCUMENT",
  "name": "mingo-sign-test",
  "documentNamespace": "https://mingo.example/spdx/sign-test-0001",
  "creationInfo": {
    "created": "2025-01-01T00:00:00Z",
    "creators": ["Tool: mingo-test"]
  },
  "packages": [
    {
      "name": "example.com/hello",
      "SPDXID": "SPDXRef-Package-hello",
      "versionInfo": "v1.0.0",
      "downloadLocation": "NOASSERTION",
      "filesAnalyzed": false,
      "licenseConcluded": "NOASSERTION",
      "licenseDeclared": "NOASSERTION",
      "copyrightText": "NOASSERTION"
    }
  ],
  "relationships": [
    {
      "spdxElementId": "SPDXRef-DOCUMENT",
      "relationshipType": "DESCRIBES",
      "relatedSpdxElement": "SPDXRef-Package-hello"
    }
  ]
}`

// TestCosignCLI checks with the real cosign CLI (built from the cosign
// module version that go.mod pins) that signatures and attestations made by
// the sign package verify, against a real registry (CNCF Distribution with
// TLS and basic auth, from e2e/internal/harness), and that a tampered image
// does not. It lives here, not in sign, because the harness is internal to
// e2e.
func TestCosignCLI(t *testing.T) {
	inCI := os.Getenv("CI") == "true"
	if reason := harness.Unavailable(); reason != "" {
		if inCI {
			t.Fatalf("FAIL: the cosign CLI test cannot run in CI: %s", reason)
		}
		t.Skipf("\n*** SKIPPED (not in CI): %s ***\n*** CI=true makes this a failure. ***", reason)
	}
	if testing.Short() && !inCI {
		t.Skip("\n*** SKIPPED with -short: it builds the cosign CLI (minutes the first time) and runs a registry ***")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 25*time.Minute)
	defer cancel()
	if _, err := os.Stat("/usr/bin/docker-registry"); err != nil {
		if err := harness.EnsurePackages(ctx, t.Logf); err != nil {
			t.Fatal(err)
		}
	}
	cosignBin, err := harness.InstallCosign(ctx, t.Logf)
	if err != nil {
		t.Fatal(err)
	}

	work := t.TempDir()
	reg, err := harness.StartRegistry(ctx, work, harness.RegistryOptions{TLS: true, Auth: true})
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	opts := []remote.Option{
		remote.WithAuth(&authn.Basic{Username: reg.User, Password: reg.Password}),
		remote.WithTransport(reg.HTTPClient().Transport),
	}

	tag, err := name.NewTag(reg.Host + "/mingo/signed:latest")
	if err != nil {
		t.Fatal(err)
	}
	d := pushRandomImage(t, tag, opts...)
	keyDir, s := newSignKey(t, "cosign-test-password")
	if err := s.Sign(ctx, d, opts...); err != nil {
		t.Fatalf("Sign: %v", err)
	}
	if err := s.Attest(ctx, d, "https://spdx.dev/Document", []byte(spdxDocument), opts...); err != nil {
		t.Fatalf("Attest: %v", err)
	}
	pub := filepath.Join(keyDir, sign.PublicKeyFile)
	otherDir, _ := newSignKey(t, "other")
	otherPub := filepath.Join(otherDir, sign.PublicKeyFile)

	home := filepath.Join(work, "home")
	if err := os.MkdirAll(home, 0o700); err != nil {
		t.Fatal(err)
	}
	// cosign must not use the network beyond the loopback registry. Any
	// HTTP(S) request to another host goes through the proxy set below
	// (Go never proxies loopback addresses), which refuses and records it.
	// Key-based verification with --insecure-ignore-tlog needs no TUF
	// metadata, but cosign still tries to fetch trusted_root.json unless it
	// is told otherwise: TUF_MIRROR (on loopback, the same recorder) with an
	// empty TUF_ROOT has it give up at once, without a request (it only
	// prints a warning).
	guard := harness.NewNetworkGuard()
	defer guard.Close()
	defer func() {
		if leaks := guard.Leaks(); len(leaks) > 0 {
			t.Errorf("cosign tried to reach the network beyond the loopback registry:\n%s", strings.Join(leaks, "\n"))
		}
	}()
	cosignEnv := harness.CosignEnv(reg, home, guard)
	cosign := func(args ...string) (string, error) {
		t.Helper()
		cctx, ccancel := context.WithTimeout(ctx, 2*time.Minute)
		defer ccancel()
		cmd := exec.CommandContext(cctx, cosignBin, args...)
		cmd.Env = cosignEnv
		cmd.Dir = work
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		start := time.Now()
		err := cmd.Run()
		t.Logf("$ cosign %s  (%s, %v)\n%s", strings.Join(args, " "), time.Since(start).Round(time.Millisecond), err, strings.TrimSpace(out.String()))
		return out.String(), err
	}
	verify := func(key, ref string) (string, error) {
		return cosign("verify", "--key", key, "--insecure-ignore-tlog=true", "--offline=true", ref)
	}
	verifyAtt := func(key, ref string) (string, error) {
		return cosign("verify-attestation", "--key", key, "--insecure-ignore-tlog=true", "--offline=true", "--type", "spdxjson", ref)
	}

	// Signed: verifies by tag and by digest, only with the right key.
	for _, ref := range []string{tag.String(), d.String()} {
		out, err := verify(pub, ref)
		if err != nil {
			t.Fatalf("cosign verify %s failed: %v\n%s", ref, err, out)
		}
		if !strings.Contains(out, d.DigestStr()) {
			t.Errorf("cosign verify output does not mention %s:\n%s", d.DigestStr(), out)
		}
	}
	if out, err := verify(otherPub, tag.String()); err == nil {
		t.Errorf("cosign verify with another key succeeded:\n%s", out)
	}

	// Attested with an SPDX document.
	out, err := verifyAtt(pub, tag.String())
	if err != nil {
		t.Fatalf("cosign verify-attestation failed: %v\n%s", err, out)
	}
	if !strings.Contains(out, `"payloadType":"application/vnd.in-toto+json"`) {
		t.Errorf("cosign verify-attestation printed no in-toto envelope:\n%s", out)
	}
	if out, err := cosign("verify-attestation", "--key", pub, "--insecure-ignore-tlog=true", "--offline=true", "--type", "cyclonedx", tag.String()); err == nil {
		t.Errorf("cosign verify-attestation --type cyclonedx succeeded on an SPDX attestation:\n%s", out)
	}

	// Tampered: another image under the same tag has no valid signature,
	// not even with the old image's signatures copied to its .sig tag.
	d2 := pushRandomImage(t, tag, opts...)
	if out, err := verify(pub, tag.String()); err == nil {
		t.Errorf("cosign verify of a re-pushed, unsigned image succeeded:\n%s", out)
	}
	oldSig, err := remote.Image(d.Context().Tag(strings.Replace(d.DigestStr(), ":", "-", 1)+".sig"), opts...)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(d2.Context().Tag(strings.Replace(d2.DigestStr(), ":", "-", 1)+".sig"), oldSig, opts...); err != nil {
		t.Fatal(err)
	}
	if out, err := verify(pub, tag.String()); err == nil {
		t.Errorf("cosign verify of a re-pushed image with the old image's signature succeeded:\n%s", out)
	}
	if out, err := verifyAtt(pub, tag.String()); err == nil {
		t.Errorf("cosign verify-attestation of a re-pushed image succeeded:\n%s", out)
	}
	// The original digest still verifies.
	if out, err := verify(pub, d.String()); err != nil {
		t.Errorf("cosign verify %s after the re-push failed: %v\n%s", d, err, out)
	}
}

// newSignKey generates a key pair in a temporary directory and loads it.
func newSignKey(t *testing.T, password string) (dir string, s *sign.Signer) {
	t.Helper()
	dir = t.TempDir()
	if err := sign.GenerateKeyPair(dir, []byte(password)); err != nil {
		t.Fatal(err)
	}
	s, err := sign.LoadKey(filepath.Join(dir, sign.PrivateKeyFile), []byte(password))
	if err != nil {
		t.Fatal(err)
	}
	return dir, s
}

// pushRandomImage pushes a random one-layer image to ref and returns its
// digest.
func pushRandomImage(t *testing.T, ref name.Tag, opts ...remote.Option) name.Digest {
	t.Helper()
	img, err := random.Image(256, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img, opts...); err != nil {
		t.Fatal(err)
	}
	h, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return ref.Context().Digest(h.String())
}
