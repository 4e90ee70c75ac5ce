package mingo

import (
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/mingo-build/mingo/buildcache"
	"github.com/mingo-build/mingo/sign"
)

// CacheTrust is the signer and the trust root of a Config's cache
// repository (see WithCacheSigner and WithCacheTrust); a nil field is a
// key the Config does not name.
type CacheTrust struct {
	Signer *sign.Signer
	Trust  *sign.PublicKey
}

// OpenCacheTrust loads the cache keys cfg names (CacheSignKey, whose
// passphrase is in COSIGN_PASSWORD, and CacheTrustKey), to be called
// before any build: a key that cannot be used is an error (a
// *buildcache.KeyError), never an unsigned or unchecked cache. Without a
// cache repository, no key is loaded.
func OpenCacheTrust(cfg *Config) (CacheTrust, error) {
	var t CacheTrust
	if cfg.CacheRepo == "" {
		return t, nil
	}
	var err error
	if cfg.CacheTrustKey != "" {
		if t.Trust, err = buildcache.LoadTrustKey(cfg.CacheTrustKey); err != nil {
			return t, err
		}
	}
	if cfg.CacheSignKey != "" {
		t.Signer, err = buildcache.LoadSignKey(cfg.CacheSignKey)
	}
	return t, err
}

// Options are the build options that sign and check the cache's entries
// as t says.
func (t CacheTrust) Options() []Option {
	var opts []Option
	if t.Signer != nil {
		opts = append(opts, WithCacheSigner(t.Signer))
	}
	if t.Trust != nil {
		opts = append(opts, WithCacheTrust(t.Trust))
	}
	return opts
}

// Lend lends t's signer to the Go build cache program (see WithGoCache,
// and the gocache command's --sign-socket), which cannot open the key:
// the go command's environment never holds COSIGN_PASSWORD. It signs
// manifests of cfg's cache repository only, reached with opts. It returns
// nil, which lends nothing, when the build records nothing or does not
// sign. Close the Lender when the build is done.
func (t CacheTrust) Lend(cfg *Config, opts ...remote.Option) (*sign.Lender, error) {
	if t.Signer == nil || cfg.CacheRepo == "" || cfg.CacheRepoReadOnly {
		return nil, nil
	}
	return sign.Lend(cfg.CacheRepo, t.Signer, opts...)
}
