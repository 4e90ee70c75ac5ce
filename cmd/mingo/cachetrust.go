package main

import (
	"fmt"

	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/mingo-build/mingo"
	"github.com/mingo-build/mingo/sign"
)

// The trust settings of the cache repository: who signs the entries a
// build records, whose signature a build requires of the entries it takes,
// and whether it records any.

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
