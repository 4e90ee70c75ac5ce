package gocache

import (
	"github.com/spf13/pflag"

	"github.com/mingo-build/mingo/config"
)

// AddFlags defines on fs the flags of mingo gocache that set c, their
// defaults c's values (see EnvConfig), as ko's options types define
// theirs. --registry-timeout is checked with config.RegistryTimeout.
func (c *Config) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&c.Repo, "repo", c.Repo, "share the cache through the registry repository `REGISTRY/REPOSITORY` (default $MINGO_CACHE_REPO; none: the local tier only)")
	fs.BoolVar(&c.ReadOnly, "read-only", c.ReadOnly, "read the repository, never write to it (default $MINGO_CACHE_REPO_READ_ONLY=1)")
	fs.StringVar(&c.SignKey, "sign-key", c.SignKey, "sign the entries written with the cosign private key `FILE` (passphrase in COSIGN_PASSWORD; default $MINGO_CACHE_SIGN_KEY)")
	fs.StringVar(&c.TrustKey, "trust-key", c.TrustKey, "take only entries signed by the cosign public key `FILE`; others are misses (default $MINGO_CACHE_TRUST_KEY)")
	fs.StringVar(&c.TrustIdentity, "trust-identity", c.TrustIdentity, "take only entries signed keylessly (Sigstore) by `ID`, the certificate's identity; needs --trust-issuer and --trust-root, excludes --trust-key (default $MINGO_CACHE_TRUST_IDENTITY)")
	fs.StringVar(&c.TrustIssuer, "trust-issuer", c.TrustIssuer, "the OIDC issuer `URL` of --trust-identity (default $MINGO_CACHE_TRUST_ISSUER)")
	fs.StringVar(&c.TrustRoot, "trust-root", c.TrustRoot, "the Sigstore trusted root `FILE` (trusted_root.json) of --trust-identity's signatures (default $MINGO_CACHE_TRUST_ROOT)")
	fs.StringVar(&c.SignSocket, "sign-socket", "", "sign through the mingo build listening on the unix socket `PATH`")
	_ = fs.MarkHidden("sign-socket") // mingo build's own use (see Program)
	fs.BoolVar(&c.Insecure, "insecure-registry", false, "allow plain HTTP or unverified TLS for the repository's registry")
	fs.Var(config.DurationValue(&c.Timeout), "registry-timeout", "give up a download or upload after `DURATION`, a lookup after a sixth of it (default $MINGO_REGISTRY_TIMEOUT, else 60s)")
}
