package mingo

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mingo-build/mingo/buildcache"
	"github.com/mingo-build/mingo/internal/keytest"
	"github.com/mingo-build/mingo/internal/sigstoretest"
	"github.com/mingo-build/mingo/publish"
	"github.com/mingo-build/mingo/sign"
)

// OpenCacheTrust loads the keys of a cache repository, and only of one;
// Options and Lend hand them to a build.
func TestOpenCacheTrust(t *testing.T) {
	priv, pub := keytest.Files(t)
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

// A run lends its cache signer to the GOCACHEPROG it starts, which names
// the socket, for the run only; without a cache repository it starts
// nothing and adds no option.
func TestRunCacheService(t *testing.T) {
	priv, _ := keytest.Files(t)
	t.Setenv(sign.PasswordEnv, keytest.Password)
	cfg := &Config{CacheRepo: "reg.example.com/cache", CacheSignKey: priv}
	ct, err := OpenCacheTrust(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r := &Run{CacheTrust: ct, GoCacheExe: "/bin/mingo"}
	opts, stop, err := r.cacheService(&publish.Registry{}, nil)
	if err != nil || len(opts) != 0 {
		t.Fatalf("without a cache repository: %d options, %v", len(opts), err)
	}
	stop()
	r.Config = cfg
	if opts, stop, err = r.cacheService(&publish.Registry{}, nil); err != nil || len(opts) != 2 { // the signer, the GOCACHEPROG
		t.Fatalf("with a signed cache repository: %d options, %v", len(opts), err)
	}
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	_, sock, ok := strings.Cut(o.build.GoCacheProg, "--sign-socket ")
	if sock = strings.Fields(sock + " ")[0]; !ok || !fileExists(sock) {
		t.Fatalf("GOCACHEPROG %q names no live socket", o.build.GoCacheProg)
	}
	if stop(); fileExists(sock) {
		t.Error("the socket outlives the run")
	}
}

// The GOCACHEPROG carries the run's registry settings and the cache's
// trust, with absolute key paths.
func TestGoCacheProgram(t *testing.T) {
	exe := "/usr/local/bin/mingo"
	got, err := goCacheProgram(exe, &Config{CacheRepo: "reg.example.com:5000/team/gocache"}, "", []string{"reg.example.com:5000"}, 90*time.Second)
	if want := exe + " gocache --repo reg.example.com:5000/team/gocache --insecure-registry --registry-timeout 1m30s"; err != nil || got != want {
		t.Errorf("goCacheProgram = %q, %v, want %q", got, err, want)
	}
	got, _ = goCacheProgram(exe, &Config{CacheRepo: "ghcr.io/acme/cache"}, "", []string{"reg.example.com:5000"}, 0)
	if want := exe + " gocache --repo ghcr.io/acme/cache"; got != want {
		t.Errorf("goCacheProgram = %q, want %q", got, want)
	}
	got, _ = goCacheProgram(exe, &Config{CacheRepo: "ghcr.io/acme/cache", CacheRepoReadOnly: true, CacheTrustKey: "cosign.pub", CacheSignKey: "/keys/cosign.key"}, "/tmp/s/sock", nil, 0)
	wd, _ := os.Getwd()
	if want := exe + " gocache --repo ghcr.io/acme/cache --read-only --sign-socket /tmp/s/sock --trust-key " + filepath.Join(wd, "cosign.pub"); got != want {
		t.Errorf("goCacheProgram = %q, want %q", got, want)
	}
}

// A keyless trust identity needs its issuer and trusted root, excludes a
// trust key, and when whole is the build's trust; the GOCACHEPROG gets it.
func TestOpenCacheTrustIdentity(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "trusted_root.json")
	fu, re := sigstoretest.NewFulcio(t, "tok", "https://ci.example/wf", "https://issuer.example"), sigstoretest.NewRekor(t)
	if err := os.WriteFile(root, sigstoretest.TrustedRoot(t, fu, re), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := Config{CacheRepo: "reg.example.com/cache", CacheTrustIdentity: "https://ci.example/wf", CacheTrustIssuer: "https://issuer.example"}
	if _, err := OpenCacheTrust(&cfg); !errors.Is(err, buildcache.ErrTrustIncomplete) {
		t.Errorf("no trusted root: %v, want ErrTrustIncomplete", err)
	}
	cfg.CacheTrustRoot = root
	ct, err := OpenCacheTrust(&cfg)
	if err != nil || ct.Identity == nil || ct.Trust != nil || len(ct.Options()) != 1 {
		t.Fatalf("identity: %+v, %v", ct, err)
	}
	withKey := cfg
	withKey.CacheTrustKey = "cosign.pub"
	if _, err := OpenCacheTrust(&withKey); !errors.Is(err, buildcache.ErrTrustConflict) {
		t.Errorf("key and identity: %v, want ErrTrustConflict", err)
	}
	got, err := goCacheProgram("/bin/mingo", &cfg, "", nil, 0)
	if want := "/bin/mingo gocache --repo reg.example.com/cache --trust-identity https://ci.example/wf --trust-issuer https://issuer.example --trust-root " + root; err != nil || got != want {
		t.Errorf("goCacheProgram = %q, %v, want %q", got, err, want)
	}
}

func fileExists(p string) bool { _, err := os.Stat(p); return err == nil }
