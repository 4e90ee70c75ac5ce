package mingo

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/mingo-build/mingo/config"
)

// The cache repository's keys and read-only setting come from the file,
// relative to it, unless the overlay sets them.
func TestLoadConfigCacheTrust(t *testing.T) {
	path := writeConfig(t, `cache-repo: reg.example.com/cache
cache-sign-key: cosign.key
cache-trust-key: cosign.pub
cache-repo-read-only: true
images:
  - package: ./cmd/api
    repository: reg.example.com/api
`)
	dir := filepath.Dir(path)
	for _, f := range []string{"cosign.key", "cosign.pub"} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("key"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cfg, err := LoadConfig(context.Background(), path, config.Overlay{})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.CacheSignKey != filepath.Join(dir, "cosign.key") || cfg.CacheTrustKey != filepath.Join(dir, "cosign.pub") || !cfg.CacheRepoReadOnly {
		t.Errorf("from the file: sign %q, trust %q, read-only %t", cfg.CacheSignKey, cfg.CacheTrustKey, cfg.CacheRepoReadOnly)
	}
	over := config.Overlay{CacheTrustKey: config.Set("/flag/trust.pub"), CacheRepoReadOnly: config.Set(false)}
	if cfg, err = LoadConfig(context.Background(), path, over); err != nil {
		t.Fatal(err)
	}
	if cfg.CacheTrustKey != "/flag/trust.pub" || cfg.CacheRepoReadOnly || cfg.CacheSignKey != filepath.Join(dir, "cosign.key") {
		t.Errorf("with an overlay: sign %q, trust %q, read-only %t; want the overlay's trust key and read-only", cfg.CacheSignKey, cfg.CacheTrustKey, cfg.CacheRepoReadOnly)
	}
}

// The keyless trust identity comes from the file, its trusted root
// relative to it, unless the overlay sets it.
func TestLoadConfigCacheTrustIdentity(t *testing.T) {
	path := writeConfig(t, `cache-repo: reg.example.com/cache
cache-trust-identity: https://ci.example/wf
cache-trust-issuer: https://issuer.example
cache-trust-root: trusted_root.json
images:
  - package: ./cmd/api
    repository: reg.example.com/api
`)
	dir := filepath.Dir(path)
	if err := os.WriteFile(filepath.Join(dir, "trusted_root.json"), []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	over := config.Overlay{CacheTrustIdentity: config.Set("https://ci.example/other")}
	cfg, err := LoadConfig(context.Background(), path, over)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.CacheTrustIdentity != "https://ci.example/other" || cfg.CacheTrustIssuer != "https://issuer.example" ||
		cfg.CacheTrustRoot != filepath.Join(dir, "trusted_root.json") {
		t.Errorf("identity %q, issuer %q, root %q", cfg.CacheTrustIdentity, cfg.CacheTrustIssuer, cfg.CacheTrustRoot)
	}
}

// cache-sign-keyless comes from the file unless the overlay sets it.
func TestLoadConfigCacheSignKeyless(t *testing.T) {
	path := writeConfig(t, `cache-repo: reg.example.com/cache
cache-sign-keyless: true
images:
  - package: ./cmd/api
    repository: reg.example.com/api
`)
	cfg, err := LoadConfig(context.Background(), path, config.Overlay{})
	if err != nil || !cfg.CacheSignKeyless {
		t.Fatalf("from the file: %v, %v; want keyless signing", cfg, err)
	}
	if cfg, err = LoadConfig(context.Background(), path, config.Overlay{CacheSignKeyless: config.Set(false)}); err != nil || cfg.CacheSignKeyless {
		t.Errorf("under --cache-sign-keyless=false: %v, %v; want none", cfg, err)
	}
}
