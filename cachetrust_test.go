package mingo

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/mingo-build/mingo/buildcache"
	"github.com/mingo-build/mingo/sign"
)

// OpenCacheTrust loads the keys of a cache repository, and only of one;
// Options and Lend hand them to a build.
func TestOpenCacheTrust(t *testing.T) {
	dir := t.TempDir()
	if err := sign.GenerateKeyPair(dir, []byte("pw")); err != nil {
		t.Fatal(err)
	}
	priv, pub := filepath.Join(dir, sign.PrivateKeyFile), filepath.Join(dir, sign.PublicKeyFile)
	t.Setenv(sign.PasswordEnv, "pw")
	if ct, err := OpenCacheTrust(&Config{CacheSignKey: "nope.key", CacheTrustKey: "nope.pub"}); err != nil || ct.Signer != nil || ct.Trust != nil {
		t.Errorf("without a cache repository: %+v, %v; want no keys", ct, err)
	}
	_, err := OpenCacheTrust(&Config{CacheRepo: "reg.example.com/cache", CacheTrustKey: priv})
	var ke *buildcache.KeyError
	if !errors.As(err, &ke) || ke.Key != buildcache.TrustKey || ke.Path != priv || !errors.Is(err, sign.ErrPrivateKey) {
		t.Errorf("a private trust key: %v, want a KeyError", err)
	}
	cfg := &Config{CacheRepo: "reg.example.com/cache", CacheSignKey: priv, CacheTrustKey: pub}
	ct, err := OpenCacheTrust(cfg)
	if err != nil || ct.Signer == nil || ct.Trust == nil || len(ct.Options()) != 2 {
		t.Fatalf("good keys: %+v, %v", ct, err)
	}
	l, err := ct.Lend(cfg)
	if err != nil || l.Socket() == "" {
		t.Fatalf("Lend = %v, %v", l, err)
	}
	if l.Close(); fileExists(l.Socket()) {
		t.Error("the socket outlives Close")
	}
	for _, c := range []struct {
		cfg *Config
		ct  CacheTrust
	}{
		{&Config{CacheRepo: "reg.example.com/cache", CacheRepoReadOnly: true}, ct},
		{cfg, CacheTrust{Trust: ct.Trust}},
	} {
		if l, err := c.ct.Lend(c.cfg); l != nil || err != nil {
			t.Errorf("Lend with nothing to sign = %v, %v", l, err)
		}
	}
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }
