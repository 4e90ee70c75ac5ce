package gocache

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/mingo-build/mingo/buildcache"
	"github.com/mingo-build/mingo/config"
	"github.com/mingo-build/mingo/publish"
	"github.com/mingo-build/mingo/sign"
)

// Config is what a GOCACHEPROG program serves (mingo gocache's flags):
// the registry tier, how it is reached, and how it is trusted.
type Config struct {
	// Repo is the registry repository REGISTRY/REPOSITORY; "" keeps the
	// cache local.
	Repo string
	// Insecure reaches Repo's registry over plain HTTP or without TLS
	// verification.
	Insecure bool
	// Timeout bounds each download and upload, and a sixth of it each
	// lookup (0: DefaultTimeout and DefaultLookupTimeout).
	Timeout time.Duration
	// ReadOnly reads Repo and never writes to it.
	ReadOnly bool
	// TrustKey is a cosign public key file: an entry it did not sign is a
	// miss. SignKey is a cosign private key file (passphrase in
	// COSIGN_PASSWORD) that signs the entries written; SignSocket, when
	// set, signs instead through a sign.Lender's socket.
	TrustKey, SignKey, SignSocket string
	// TrustIdentity, TrustIssuer and TrustRoot, all three or none, trust
	// keyless signatures instead of TrustKey's: an entry not signed by
	// the identity (a certificate's email or URI), as issued by the OIDC
	// issuer, under the Sigstore trusted_root.json TrustRoot, is a miss
	// (see buildcache.LoadTrustIdentity).
	TrustIdentity, TrustIssuer, TrustRoot string
	// Warn receives why the registry is no longer used (see Options).
	Warn func(format string, args ...any)
}

// EnvConfig is the Config the environment sets: MINGO_CACHE_REPO,
// MINGO_CACHE_REPO_READ_ONLY (or the older MINGO_CACHE_REPO_READONLY)
// set to 1 or true, MINGO_CACHE_SIGN_KEY, MINGO_CACHE_TRUST_KEY,
// MINGO_CACHE_TRUST_IDENTITY, MINGO_CACHE_TRUST_ISSUER and
// MINGO_CACHE_TRUST_ROOT: the defaults of mingo gocache's flags.
func EnvConfig() Config {
	o := config.Overlay{}.WithEnv() // mingo build's reading of them
	return Config{Repo: o.CacheRepo.V, ReadOnly: o.CacheRepoReadOnly.V, SignKey: o.CacheSignKey.V, TrustKey: o.CacheTrustKey.V,
		TrustIdentity: o.CacheTrustIdentity.V, TrustIssuer: o.CacheTrustIssuer.V, TrustRoot: o.CacheTrustRoot.V}
}

// Run serves the go command that reads r and writes w until it closes,
// with the cache c describes (its local tier in mingo's cache, see
// OpenDefault). Keys that cannot be used are a *buildcache.KeyError, an
// invalid Repo a *RepoError, before anything is served. The Stats are
// those of the cache served; nil when none was.
func Run(ctx context.Context, r io.Reader, w io.Writer, c Config) (*Stats, error) {
	o := Options{ReadOnly: c.ReadOnly, Timeout: c.Timeout, LookupTimeout: c.Timeout / 6, GoDir: DefaultGoDir(), Warn: c.Warn}
	if c.Repo != "" {
		var err error
		if o.Registry, err = OpenRegistry(ctx, c.Repo, c.Insecure, c.Timeout); err != nil {
			return nil, err
		}
		if err := c.trust(o.Registry); err != nil {
			return nil, err
		}
	}
	cache, release, err := OpenDefault(o)
	if err != nil {
		return nil, err
	}
	defer release()
	err = Serve(ctx, r, w, cache)
	stats := cache.Stats()
	return &stats, err
}

// trust gives reg the keys c names.
func (c Config) trust(reg *Registry) error {
	if err := buildcache.CheckTrust(c.TrustKey, c.TrustRoot, c.TrustIdentity, c.TrustIssuer); err != nil {
		return err
	}
	if c.TrustRoot != "" || c.TrustIdentity != "" || c.TrustIssuer != "" {
		v, err := buildcache.LoadTrustIdentity(c.TrustRoot, c.TrustIdentity, c.TrustIssuer)
		if err != nil {
			return err
		}
		reg.Trusting(v)
	}
	if c.TrustKey != "" {
		k, err := buildcache.LoadTrustKey(c.TrustKey)
		if err != nil {
			return err
		}
		reg.Trusting(k)
	}
	switch {
	case c.ReadOnly:
	case c.SignSocket != "":
		reg.SignedBy(sign.NewSocketSigner(c.SignSocket))
	case c.SignKey != "":
		s, err := buildcache.LoadSignKey(c.SignKey)
		if err != nil {
			return err
		}
		reg.SignedBy(s)
	}
	return nil
}

// A RepoError is a repository that is not REGISTRY/REPOSITORY.
type RepoError struct {
	// Repo is the repository as given.
	Repo string
	// Err is why it does not parse.
	Err error
}

func (e *RepoError) Error() string {
	return fmt.Sprintf("repository %q: not REGISTRY/REPOSITORY: %v", e.Repo, e.Err)
}

func (e *RepoError) Unwrap() error { return e.Err }

// OpenRegistry returns the registry tier in repo, reached as mingo build
// pushes (credentials of the Docker config, a timeout per request: see
// publish.Registry), insecurely if insecure. Nothing is sent yet.
func OpenRegistry(ctx context.Context, repo string, insecure bool, timeout time.Duration) (*Registry, error) {
	var opts []name.Option
	if insecure {
		opts = append(opts, name.Insecure)
	}
	ref, err := name.NewRepository(repo, opts...)
	if err != nil {
		return nil, &RepoError{Repo: repo, Err: err}
	}
	reg := &publish.Registry{Timeout: timeout}
	if insecure {
		reg.Insecure = []string{ref.RegistryStr()}
	}
	return NewRegistry(ref, reg.RemoteOptions(ctx)...)
}
