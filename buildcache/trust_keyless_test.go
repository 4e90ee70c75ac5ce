package buildcache

import (
	"context"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/mingo-build/mingo/internal/keytest"
	"github.com/mingo-build/mingo/internal/layers"
	"github.com/mingo-build/mingo/internal/sigstoretest"
	"github.com/mingo-build/mingo/sign"
)

const (
	ciIdentity = "https://github.com/acme/app/.github/workflows/ci.yml@refs/heads/main"
	ciIssuer   = "https://token.actions.githubusercontent.com"
)

// keylessSigner signs keylessly as ciIdentity through a fake Fulcio and
// Rekor, and returns the trusted root file that trusts them.
func keylessSigner(t *testing.T) (*sign.Signer, string) {
	t.Helper()
	for _, v := range []string{sign.IDTokenEnv, sign.ActionsTokenURLEnv, sign.ActionsRequestTokenEnv} {
		t.Setenv(v, "")
	}
	fu, re := sigstoretest.NewFulcio(t, "ci-token", ciIdentity, ciIssuer), sigstoretest.NewRekor(t)
	fs, rs := httptest.NewServer(fu), httptest.NewServer(re)
	t.Cleanup(fs.Close)
	t.Cleanup(rs.Close)
	s, err := sign.Keyless(context.Background(), sign.KeylessOptions{FulcioURL: fs.URL, RekorURL: rs.URL, IDToken: "ci-token"})
	if err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(t.TempDir(), "trusted_root.json")
	if err := os.WriteFile(root, sigstoretest.TrustedRoot(t, fu, re), 0o644); err != nil {
		t.Fatal(err)
	}
	return s, root
}

// With a keyless trust identity, an entry signed keylessly by the CI
// identity is a hit; one signed by a key, by the identity under another
// issuer's name, or not at all is a miss with a warning.
func TestTrustedLookupKeyless(t *testing.T) {
	ctx := context.Background()
	ci, root := keylessSigner(t)
	key, _ := keytest.Pair(t)
	trusted, err := LoadTrustIdentity(root, ciIdentity, ciIssuer)
	if err != nil {
		t.Fatal(err)
	}
	otherIssuer, err := LoadTrustIdentity(root, ciIdentity, "https://accounts.google.com")
	if err != nil {
		t.Fatal(err)
	}
	good := binaryLayer(t, "\x7fELF good")
	for _, tc := range []struct {
		name   string
		signer Signer
		trust  Verifier
		hit    bool
	}{
		{"signed by the CI identity", ci, trusted, true},
		{"signed by a key", key, trusted, false},
		{"unsigned", nil, trusted, false},
		{"identity of another issuer", ci, otherIssuer, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			repo := newRepo(t)
			w := repo
			if tc.signer != nil {
				w = repo.SignedBy(tc.signer)
			}
			record(t, w, appBin, good)
			said := &logs{}
			c := NewClient(repo.Trusting(tc.trust), openCache(t), said.printf, nil)
			hit := c.Fetch(ctx, appBin, layers.Gzip)
			if (hit != nil) != tc.hit {
				t.Fatalf("hit = %v, want %t; said %q", hit, tc.hit, said.lines)
			}
			if !tc.hit && len(said.lines) != 1 {
				t.Errorf("said %q, want one warning", said.lines)
			}
		})
	}
}

// LoadTrustIdentity needs all three parts; CheckTrust refuses a key and
// an identity together.
func TestLoadTrustIdentityErrors(t *testing.T) {
	_, root := keylessSigner(t)
	var ke *KeyError
	if _, err := LoadTrustIdentity(root, ciIdentity, ""); !errors.Is(err, ErrTrustIncomplete) || !errors.As(err, &ke) || ke.Key != TrustIdentity {
		t.Errorf("no issuer: %v", err)
	}
	if _, err := LoadTrustIdentity(filepath.Join(t.TempDir(), "nope.json"), ciIdentity, ciIssuer); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing root: %v", err)
	}
	if err := CheckTrust("cosign.pub", root, ciIdentity, ciIssuer); !errors.Is(err, ErrTrustConflict) {
		t.Errorf("key and identity: %v", err)
	}
	if err := CheckTrust("cosign.pub", "", "", ""); err != nil {
		t.Errorf("key alone: %v", err)
	}
}
