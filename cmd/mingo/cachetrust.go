package main

import (
	"fmt"
	"os"
	"strconv"

	"github.com/google/go-containerregistry/pkg/v1/remote"
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
	for _, k := range []string{"MINGO_CACHE_REPO_READ_ONLY", "MINGO_CACHE_REPO_READONLY"} {
		if v, err := strconv.ParseBool(os.Getenv(k)); !o.CacheRepoReadOnly.Set && err == nil {
			o.CacheRepoReadOnly = config.Set(v)
		}
	}
}

// cacheTrust is the signer and the trust root of the cache repository
// (see mingo.CacheTrust).
type cacheTrust struct {
	mingo.CacheTrust
	// service lends the signer to mingo gocache during a build.
	service *signService
}

// startService starts the sign service for the build's mingo gocache when
// the build signs what it records.
func (t *cacheTrust) startService(cfg *mingo.Config, opts []remote.Option) error {
	l, err := t.Lend(cfg, opts...)
	t.service = (*signService)(l)
	return err
}

// options are the build options of t.
func (t cacheTrust) options() []mingo.Option { return t.Options() }

// openCacheTrust loads the keys cfg names, before any build (see
// mingo.OpenCacheTrust), with advice. A key flag given without a cache
// repository is an error, not a key silently ignored.
func (f *buildFlags) openCacheTrust(cfg *mingo.Config) (cacheTrust, error) {
	if cfg.CacheRepo == "" {
		for _, fl := range []string{"cache-sign-key", "cache-trust-key", "cache-repo-read-only"} {
			if f.changed(fl) {
				return cacheTrust{}, fmt.Errorf("--%s applies to the cache repository, and there is none: give --cache-repo too", fl)
			}
		}
	}
	t, err := mingo.OpenCacheTrust(cfg)
	if err != nil {
		return cacheTrust{}, advise(err)
	}
	return cacheTrust{CacheTrust: t}, nil
}

// signService is the sign.Lender that lends the cache sign key to the
// mingo gocache that go build starts; nil when it lends nothing.
type signService sign.Lender

// socket is the path mingo gocache --sign-socket takes; "" for a nil
// service.
func (s *signService) socket() string { return (*sign.Lender)(s).Socket() }

// close stops the service; a nil service is a no-op.
func (s *signService) close() { (*sign.Lender)(s).Close() }
