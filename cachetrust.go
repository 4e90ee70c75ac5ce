package mingo

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/mingo-build/mingo/buildcache"
	"github.com/mingo-build/mingo/sign"
)

// CacheTrust is the signer and the trust root of a Config's cache
// repository (see WithCacheSigner and WithCacheTrust); a nil field is a
// key the Config does not name. At most one of Trust and Identity is set.
type CacheTrust struct {
	Signer *sign.Signer
	Trust  *sign.PublicKey
	// Identity is the keyless identity whose signatures a hit needs
	// (CacheTrustIdentity, CacheTrustIssuer, CacheTrustRoot).
	Identity *sign.Identity
}

// OpenCacheTrust loads the cache keys cfg names (CacheSignKey, whose
// passphrase is in COSIGN_PASSWORD, and CacheTrustKey or the keyless
// identity of CacheTrustIdentity, CacheTrustIssuer and CacheTrustRoot),
// to be called before any build: a key that cannot be used is an error (a
// *buildcache.KeyError), never an unsigned or unchecked cache. So is an
// identity without its issuer or trusted root (buildcache.ErrTrustIncomplete),
// or a trust key and an identity both (buildcache.ErrTrustConflict: what a
// hit is has one answer). Without a cache repository, no key is loaded.
func OpenCacheTrust(cfg *Config) (CacheTrust, error) {
	var t CacheTrust
	if cfg.CacheRepo == "" {
		return t, nil
	}
	err := buildcache.CheckTrust(cfg.CacheTrustKey, cfg.CacheTrustRoot, cfg.CacheTrustIdentity, cfg.CacheTrustIssuer)
	if err != nil {
		return t, err
	}
	if cfg.CacheTrustRoot != "" || cfg.CacheTrustIdentity != "" || cfg.CacheTrustIssuer != "" {
		t.Identity, err = buildcache.LoadTrustIdentity(cfg.CacheTrustRoot, cfg.CacheTrustIdentity, cfg.CacheTrustIssuer)
		if err != nil {
			return t, err
		}
	}
	if cfg.CacheTrustKey != "" {
		if t.Trust, err = buildcache.LoadTrustKey(cfg.CacheTrustKey); err != nil {
			return t, err
		}
	}
	if cfg.CacheSignKey != "" && cfg.CacheSignKeyless {
		return t, ErrSignConflict
	}
	if cfg.CacheSignKey != "" {
		t.Signer, err = buildcache.LoadSignKey(cfg.CacheSignKey)
	}
	return t, err
}

// ErrSignConflict is OpenCacheTrust's error for a Config that names a
// cache sign key and keyless signing both.
var ErrSignConflict = errors.New("the cache's entries are signed with a key or keylessly, not both")

// SignKeyless makes t sign the entries a build records keylessly, with
// the Sigstore instance o names (o.Key is ignored; see sign.Open), when
// cfg asks for it (CacheSignKeyless) and the build records entries; it
// fails before any build when signing cannot work (no OIDC token, Fulcio
// or Rekor unreachable), so that no entry is recorded unsigned.
func (t *CacheTrust) SignKeyless(ctx context.Context, cfg *Config, o sign.Options) error {
	if !cfg.CacheSignKeyless || cfg.CacheRepo == "" || cfg.CacheRepoReadOnly {
		return nil
	}
	o.Key, o.NoTransparencyLog = "", false
	s, err := sign.Open(ctx, o)
	if err != nil {
		return fmt.Errorf("cache sign keyless: %w", err)
	}
	t.Signer = s
	return nil
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
	if t.Identity != nil {
		opts = append(opts, WithCacheTrust(t.Identity))
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
