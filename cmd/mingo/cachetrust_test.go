package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mingo-build/mingo"
	"github.com/mingo-build/mingo/internal/keytest"
	"github.com/mingo-build/mingo/sign"
)

// A cache key that cannot be used is a one-line error naming the problem
// and the fix, before anything is built.
func TestCacheTrustBadKeys(t *testing.T) {
	priv, pub := keytest.Files(t)
	dir := filepath.Dir(priv)
	notPEM := filepath.Join(dir, "key.txt")
	if err := os.WriteFile(notPEM, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name        string
		cfg         mingo.Config
		password    string // "-" for none
		changedFlag string
		want        string
	}{
		{"private key as trust key", mingo.Config{CacheRepo: "r/c", CacheTrustKey: priv}, "pw", "", "holds a private key: give its public half (cosign.pub)"},
		{"missing trust key", mingo.Config{CacheRepo: "r/c", CacheTrustKey: filepath.Join(dir, "nope.pub")}, "pw", "", "no such file: give the cosign public key"},
		{"wrong passphrase", mingo.Config{CacheRepo: "r/c", CacheSignKey: priv}, "wrong", "", "does not decrypt the cache sign key " + priv + ": set the one the key was made with"},
		{"no passphrase", mingo.Config{CacheRepo: "r/c", CacheSignKey: priv}, "-", "", "set COSIGN_PASSWORD to the key's passphrase"},
		{"public key as sign key", mingo.Config{CacheRepo: "r/c", CacheSignKey: pub}, "pw", "", "give a cosign private key"},
		{"missing sign key", mingo.Config{CacheRepo: "r/c", CacheSignKey: filepath.Join(dir, "nope.key")}, "pw", "", "cache sign key " + filepath.Join(dir, "nope.key") + ": no such file: give a cosign private key (see mingo generate-key)"},
		{"trust key not PEM", mingo.Config{CacheRepo: "r/c", CacheTrustKey: notPEM}, "pw", "", "cache trust key: sign: " + notPEM + ": not a PEM public key: give a cosign public key (cosign.pub)"},
		{"no cache repository", mingo.Config{CacheTrustKey: pub}, "pw", "cache-trust-key", "--cache-trust-key applies to the cache repository, and there is none: give --cache-repo too"},
		{"identity without issuer", mingo.Config{CacheRepo: "r/c", CacheTrustIdentity: "https://ci/wf"}, "pw", "", "give --cache-trust-identity, --cache-trust-issuer and --cache-trust-root together"},
		{"key and identity", mingo.Config{CacheRepo: "r/c", CacheTrustKey: pub, CacheTrustIdentity: "https://ci/wf"}, "pw", "", "not both: drop one"},
		{"missing trusted root", mingo.Config{CacheRepo: "r/c", CacheTrustIdentity: "i", CacheTrustIssuer: "s", CacheTrustRoot: filepath.Join(dir, "nope.json")}, "pw", "", "no such file: give a Sigstore trusted_root.json"},
		{"trusted root not one", mingo.Config{CacheRepo: "r/c", CacheTrustIdentity: "i", CacheTrustIssuer: "s", CacheTrustRoot: notPEM}, "pw", "", "not a usable Sigstore trusted root"},
		{"identity, no cache repository", mingo.Config{CacheTrustIdentity: "i"}, "pw", "cache-trust-identity", "--cache-trust-identity applies to the cache repository"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.password == "-" {
				t.Setenv(sign.PasswordEnv, "")
				os.Unsetenv(sign.PasswordEnv)
			} else {
				t.Setenv(sign.PasswordEnv, tc.password)
			}
			f := &buildFlags{changed: func(name string) bool { return name == tc.changedFlag }}
			err := signAdvice(f.check(t.Context(), &mingo.Run{Config: &tc.cfg}), "")
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %v, want one line with %q", err, tc.want)
			}
		})
	}
	t.Setenv(sign.PasswordEnv, "pw")
	run := &mingo.Run{Config: &mingo.Config{CacheRepo: "r/c", CacheSignKey: priv, CacheTrustKey: pub}}
	err := (&buildFlags{changed: func(string) bool { return false }}).check(t.Context(), run)
	if ct := run.CacheTrust; err != nil || ct.Signer == nil || ct.Trust == nil {
		t.Errorf("good keys: %+v, %v", ct, err)
	}
}
