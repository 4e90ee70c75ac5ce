package main

import (
	"context"
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

	"github.com/mingo-build/mingo"
	"github.com/mingo-build/mingo/sign"
)

// The sign service signs manifests of the cache repository for mingo
// gocache, and nothing else.
func TestSignService(t *testing.T) {
	ctx := context.Background()
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	dir := t.TempDir()
	if err := sign.GenerateKeyPair(dir, []byte("pw")); err != nil {
		t.Fatal(err)
	}
	s, err := sign.LoadKey(filepath.Join(dir, sign.PrivateKeyFile), []byte("pw"))
	if err != nil {
		t.Fatal(err)
	}
	pub, err := sign.LoadPublicKey(filepath.Join(dir, sign.PublicKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	svc, err := startSignService(host+"/cache", s, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer svc.close()
	signer := newSocketSigner(svc.socket())
	for _, repo := range []string{"cache", "other"} {
		img, _ := random.Image(64, 1)
		d, _ := img.Digest()
		ref, err := name.NewDigest(host + "/" + repo + "@" + d.String())
		if err != nil {
			t.Fatal(err)
		}
		if err := remote.Write(ref, img); err != nil {
			t.Fatal(err)
		}
		err = signer.Sign(ctx, ref)
		switch {
		case repo == "cache" && err != nil:
			t.Fatalf("signing an entry of the cache repository: %v", err)
		case repo == "cache":
			if err := pub.Verify(ctx, ref); err != nil {
				t.Errorf("the service's signature does not verify: %v", err)
			}
		case err == nil:
			t.Error("the service signed a manifest of another repository")
		}
	}
}

// A cache key that cannot be used is a one-line error naming the problem
// and the fix, before anything is built.
func TestCacheTrustBadKeys(t *testing.T) {
	dir := t.TempDir()
	if err := sign.GenerateKeyPair(dir, []byte("pw")); err != nil {
		t.Fatal(err)
	}
	priv, pub := filepath.Join(dir, sign.PrivateKeyFile), filepath.Join(dir, sign.PublicKeyFile)
	for _, tc := range []struct {
		name        string
		cfg         mingo.Config
		password    string // "-" for none
		changedFlag string
		want        string
	}{
		{"private key as trust key", mingo.Config{CacheRepo: "r/c", CacheTrustKey: priv}, "pw", "", "holds a private key: give its public half (cosign.pub)"},
		{"missing trust key", mingo.Config{CacheRepo: "r/c", CacheTrustKey: filepath.Join(dir, "nope.pub")}, "pw", "", "no such file: give the cosign public key"},
		{"wrong passphrase", mingo.Config{CacheRepo: "r/c", CacheSignKey: priv}, "wrong", "", "does not decrypt the cache sign key " + priv + ": set the one the key was made with"},
		{"no passphrase", mingo.Config{CacheRepo: "r/c", CacheSignKey: priv}, "-", "", "set COSIGN_PASSWORD to the key's passphrase"},
		{"public key as sign key", mingo.Config{CacheRepo: "r/c", CacheSignKey: pub}, "pw", "", "give a cosign private key"},
		{"no cache repository", mingo.Config{CacheTrustKey: pub}, "pw", "cache-trust-key", "--cache-trust-key applies to the cache repository, and there is none: give --cache-repo too"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.password == "-" {
				t.Setenv(sign.PasswordEnv, "")
				os.Unsetenv(sign.PasswordEnv)
			} else {
				t.Setenv(sign.PasswordEnv, tc.password)
			}
			f := &buildFlags{changed: func(name string) bool { return name == tc.changedFlag }}
			_, err := f.openCacheTrust(&tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %v, want one line with %q", err, tc.want)
			}
		})
	}
	t.Setenv(sign.PasswordEnv, "pw")
	ct, err := (&buildFlags{changed: func(string) bool { return false }}).openCacheTrust(&mingo.Config{CacheRepo: "r/c", CacheSignKey: priv, CacheTrustKey: pub})
	if err != nil || ct.signer == nil || ct.trust == nil {
		t.Errorf("good keys: %+v, %v", ct, err)
	}
}
