package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"

	"github.com/spf13/pflag"

	"github.com/mingo-build/mingo"
	"github.com/mingo-build/mingo/config"
	"github.com/mingo-build/mingo/sign"
)

// The trust settings of the cache repository: who signs the entries a
// build records, whose signature a build requires of the entries it takes,
// and whether it records any.

// registerCacheTrust defines --cache-sign-key, --cache-trust-key and
// --cache-repo-read-only on fl.
func registerCacheTrust(fl *pflag.FlagSet, over *config.Overlay) {
	fl.Var(text{dst: &over.CacheSignKey}, "cache-sign-key", "sign the entries this build records in --cache-repo with the cosign private key `FILE` (passphrase in COSIGN_PASSWORD; default $MINGO_CACHE_SIGN_KEY, then cache-sign-key: in mingo.yaml)")
	fl.Var(text{dst: &over.CacheTrustKey}, "cache-trust-key", "take from --cache-repo only entries signed by the cosign public key `FILE`; any other entry is a miss and a warning (default $MINGO_CACHE_TRUST_KEY, then cache-trust-key: in mingo.yaml). Without it, anyone who can write the repository decides what is shipped")
	boolVar(fl, &over.CacheRepoReadOnly, "cache-repo-read-only", "read --cache-repo, never write to it, for builds such as fork pull requests' (default $MINGO_CACHE_REPO_READ_ONLY=1, then cache-repo-read-only: in mingo.yaml)")
}

// cacheTrustEnv sets in o what the environment says of the cache's trust
// where the flags say nothing.
func cacheTrustEnv(o *config.Overlay) {
	if v := os.Getenv("MINGO_CACHE_SIGN_KEY"); !o.CacheSignKey.Set && v != "" {
		o.CacheSignKey = config.Set(v)
	}
	if v := os.Getenv("MINGO_CACHE_TRUST_KEY"); !o.CacheTrustKey.Set && v != "" {
		o.CacheTrustKey = config.Set(v)
	}
	// MINGO_CACHE_REPO_READONLY is the name mingo gocache read first.
	for _, k := range []string{"MINGO_CACHE_REPO_READONLY", "MINGO_CACHE_REPO_READ_ONLY"} {
		if v, err := strconv.ParseBool(os.Getenv(k)); !o.CacheRepoReadOnly.Set && err == nil {
			o.CacheRepoReadOnly = config.Set(v)
		}
	}
}

// cacheTrust is the signer and the trust root of the cache repository.
type cacheTrust struct {
	signer *sign.Signer
	trust  *sign.PublicKey
}

// options are the build options of t.
func (t cacheTrust) options() []mingo.Option {
	var opts []mingo.Option
	if t.signer != nil {
		opts = append(opts, mingo.WithCacheSigner(t.signer))
	}
	if t.trust != nil {
		opts = append(opts, mingo.WithCacheTrust(t.trust))
	}
	return opts
}

// openCacheTrust loads the keys cfg names, before any build: a key that
// cannot be used is an error, never an unsigned or unchecked cache.
func (f *buildFlags) openCacheTrust(cfg *mingo.Config) (cacheTrust, error) {
	var t cacheTrust
	if cfg.CacheRepo == "" {
		for _, fl := range []string{"cache-sign-key", "cache-trust-key", "cache-repo-read-only"} {
			if f.changed(fl) {
				return t, fmt.Errorf("--%s applies to the cache repository, and there is none: give --cache-repo too", fl)
			}
		}
		return t, nil
	}
	var err error
	if cfg.CacheTrustKey != "" {
		if t.trust, err = loadTrustKey(cfg.CacheTrustKey); err != nil {
			return t, err
		}
	}
	if cfg.CacheSignKey != "" {
		t.signer, err = loadCacheSignKey(cfg.CacheSignKey)
	}
	return t, err
}

// loadTrustKey loads the cache's trust root, with advice.
func loadTrustKey(path string) (*sign.PublicKey, error) {
	k, err := sign.LoadPublicKey(path)
	switch {
	case errors.Is(err, sign.ErrPrivateKey):
		return nil, fmt.Errorf("cache trust key %s holds a private key: give its public half (cosign.pub), which cannot sign", path)
	case errors.Is(err, os.ErrNotExist):
		return nil, fmt.Errorf("cache trust key %s: no such file: give the cosign public key (cosign.pub) whose signatures the build trusts", path)
	case err != nil:
		return nil, fmt.Errorf("cache trust key: %w: give a cosign public key (cosign.pub)", err)
	}
	return k, nil
}

// loadCacheSignKey loads the key that signs the cache's entries, with
// advice; like --key, its passphrase is in COSIGN_PASSWORD.
func loadCacheSignKey(path string) (*sign.Signer, error) {
	password, ok := os.LookupEnv(sign.PasswordEnv)
	if !ok {
		return nil, fmt.Errorf("cache sign key %s: set COSIGN_PASSWORD to the key's passphrase (empty for none)", path)
	}
	s, err := sign.LoadKey(path, []byte(password))
	switch {
	case errors.Is(err, sign.ErrWrongPassword):
		return nil, fmt.Errorf("the passphrase in COSIGN_PASSWORD does not decrypt the cache sign key %s: set the one the key was made with", path)
	case errors.Is(err, os.ErrNotExist):
		return nil, fmt.Errorf("cache sign key %s: no such file: give a cosign private key (see mingo generate-key)", path)
	case err != nil:
		return nil, fmt.Errorf("cache sign key: %w: give a cosign private key (cosign.key; see mingo generate-key)", err)
	}
	return s, nil
}
