package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/mingo-build/mingo"
	"github.com/mingo-build/mingo/sign"
)

// The trust settings of the cache repository: who signs the entries a
// build records, whose signature a build requires of the entries it takes,
// and whether it records any.

// cacheTrust is the signer and the trust root of the cache repository.
type cacheTrust struct {
	signer *sign.Signer
	trust  *sign.PublicKey
	// service lends signer to mingo gocache during a build.
	service *signService
}

// startService starts the sign service for the build's mingo gocache when
// the build signs what it records.
func (t *cacheTrust) startService(cfg *mingo.Config, opts []remote.Option) error {
	if t.signer == nil || cfg.CacheRepoReadOnly {
		return nil
	}
	var err error
	t.service, err = startSignService(cfg.CacheRepo, t.signer, opts)
	return err
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

// signService lends the cache sign key to the mingo gocache that go build
// starts. The go command's environment never holds COSIGN_PASSWORD (see
// gotool.Secrets), so that child cannot open the key; it asks this
// process instead, over a unix socket in a directory only the user can
// enter, to sign the entries it records. Only manifests of the cache
// repository are signed.
type signService struct {
	dir string
	srv *http.Server
}

// startSignService serves s for the cache repository repo, reached with
// opts.
func startSignService(repo string, s *sign.Signer, opts []remote.Option) (*signService, error) {
	want, err := name.NewRepository(repo)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "mingo-sign-") // mode 0700
	if err != nil {
		return nil, err
	}
	l, err := net.Listen("unix", filepath.Join(dir, "sock"))
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(io.LimitReader(req.Body, 1024))
		d, err := name.NewDigest(string(b))
		if err != nil || d.Repository.Name() != want.Name() {
			http.Error(w, fmt.Sprintf("%q is not a manifest of %s", b, want), http.StatusBadRequest)
			return
		}
		if err := s.Sign(req.Context(), d, opts...); err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
		}
	})}
	go srv.Serve(l)
	return &signService{dir: dir, srv: srv}, nil
}

// socket is the path mingo gocache --sign-socket takes; "" for a nil
// service.
func (s *signService) socket() string {
	if s == nil {
		return ""
	}
	return filepath.Join(s.dir, "sock")
}

// close stops the service; a nil service is a no-op.
func (s *signService) close() {
	if s != nil {
		s.srv.Close()
		os.RemoveAll(s.dir)
	}
}

// socketSigner signs through a signService: mingo gocache's Signer when
// mingo build runs it.
type socketSigner struct{ c *http.Client }

func newSocketSigner(path string) socketSigner {
	var d net.Dialer
	return socketSigner{&http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return d.DialContext(ctx, "unix", path)
	}}}}
}

// Sign asks the service to sign the manifest at digest.
func (s socketSigner) Sign(ctx context.Context, digest name.Digest, _ ...remote.Option) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://mingo/sign", strings.NewReader(digest.String()))
	if err != nil {
		return err
	}
	resp, err := s.c.Do(req)
	if err != nil {
		return fmt.Errorf("asking mingo build to sign %s: %w", digest.DigestStr(), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return fmt.Errorf("mingo build did not sign %s: %s", digest.DigestStr(), strings.TrimSpace(string(b)))
	}
	return nil
}
