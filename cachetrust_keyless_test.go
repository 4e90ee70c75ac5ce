package mingo

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/mingo-build/mingo/internal/sigstoretest"
	"github.com/mingo-build/mingo/sign"
)

// A Config with CacheSignKeyless signs what the build records with a
// Fulcio certificate for the job's OIDC identity, which a runner trusting
// that identity (CacheTrustIdentity) accepts and one trusting another
// refuses; a sign key and keyless signing both are refused.
func TestCacheSignKeyless(t *testing.T) {
	const identity, issuer = "https://ci.example/wf@refs/heads/main", "https://issuer.example"
	enc := base64.RawURLEncoding.EncodeToString
	jwt := enc([]byte(`{"alg":"none"}`)) + "." + enc([]byte(`{"sub":"ci","iss":"`+issuer+`"}`)) + ".sig"
	for _, v := range []string{sign.ActionsTokenURLEnv, sign.ActionsRequestTokenEnv} {
		t.Setenv(v, "")
	}
	t.Setenv(sign.IDTokenEnv, jwt)
	fu, re := sigstoretest.NewFulcio(t, jwt, identity, issuer), sigstoretest.NewRekor(t)
	fs, rs := httptest.NewServer(fu), httptest.NewServer(re)
	defer fs.Close()
	defer rs.Close()
	root := filepath.Join(t.TempDir(), "trusted_root.json")
	if err := os.WriteFile(root, sigstoretest.TrustedRoot(t, fu, re), 0o644); err != nil {
		t.Fatal(err)
	}
	reg := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer reg.Close()
	repo := strings.TrimPrefix(reg.URL, "http://") + "/cache"
	cfg := &Config{CacheRepo: repo, CacheSignKeyless: true, CacheTrustIdentity: identity, CacheTrustIssuer: issuer, CacheTrustRoot: root}
	ctx := context.Background()
	ct, err := OpenCacheTrust(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := ct.SignKeyless(ctx, cfg, sign.Options{FulcioURL: fs.URL, RekorURL: rs.URL}); err != nil || ct.Signer == nil {
		t.Fatalf("SignKeyless = %v, signer %v", err, ct.Signer)
	}
	entry := pushRandom(t, repo+":entry")
	if err := ct.Signer.Sign(ctx, entry); err != nil {
		t.Fatal(err)
	}
	if err := ct.Identity.Verify(ctx, entry); err != nil {
		t.Errorf("an entry signed keylessly by the trusted identity: %v", err)
	}
	other, err := sign.LoadIdentity(root, "https://ci.example/other", issuer)
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Verify(ctx, entry); !errors.Is(err, sign.ErrNotSigned) {
		t.Errorf("the entry checked against another identity: %v, want ErrNotSigned", err)
	}
	both := *cfg
	both.CacheSignKey = "cosign.key"
	if _, err := OpenCacheTrust(&both); !errors.Is(err, ErrSignConflict) {
		t.Errorf("a sign key and keyless signing: %v, want ErrSignConflict", err)
	}
	ro := *cfg
	ro.CacheRepoReadOnly = true
	var none CacheTrust
	if err := none.SignKeyless(ctx, &ro, sign.Options{FulcioURL: "http://127.0.0.1:1"}); err != nil || none.Signer != nil {
		t.Errorf("a read-only cache opened a keyless signer: %v, %v", none.Signer, err)
	}
}

// pushRandom pushes a random image to ref and returns its digest.
func pushRandom(t *testing.T, ref string) name.Digest {
	t.Helper()
	img, err := random.Image(64, 1)
	if err != nil {
		t.Fatal(err)
	}
	tag, err := name.NewTag(ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(tag, img); err != nil {
		t.Fatal(err)
	}
	d, _ := img.Digest()
	return tag.Context().Digest(d.String())
}
