package gocache

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mingo-build/mingo/buildcache"
)

// The environment gives mingo gocache's flags their defaults; the older
// name of the read-only variable still counts.
func TestEnvConfig(t *testing.T) {
	for _, k := range []string{"MINGO_CACHE_REPO", "MINGO_CACHE_SIGN_KEY", "MINGO_CACHE_TRUST_KEY", "MINGO_CACHE_REPO_READ_ONLY", "MINGO_CACHE_REPO_READONLY",
		"MINGO_CACHE_TRUST_IDENTITY", "MINGO_CACHE_TRUST_ISSUER", "MINGO_CACHE_TRUST_ROOT"} {
		t.Setenv(k, "")
	}
	if c := EnvConfig(); c.Repo != "" || c.ReadOnly || c.SignKey != "" || c.TrustKey != "" {
		t.Errorf("EnvConfig of an empty environment = %+v", c)
	}
	t.Setenv("MINGO_CACHE_REPO", "reg.example.com/cache")
	t.Setenv("MINGO_CACHE_SIGN_KEY", "cosign.key")
	t.Setenv("MINGO_CACHE_TRUST_KEY", "cosign.pub")
	t.Setenv("MINGO_CACHE_REPO_READONLY", "true")
	want := Config{Repo: "reg.example.com/cache", SignKey: "cosign.key", TrustKey: "cosign.pub", ReadOnly: true}
	if c := EnvConfig(); c.Repo != want.Repo || c.ReadOnly != want.ReadOnly || c.SignKey != want.SignKey || c.TrustKey != want.TrustKey {
		t.Errorf("EnvConfig = %+v, want %+v", c, want)
	}
	t.Setenv("MINGO_CACHE_REPO_READONLY", "0")
	t.Setenv("MINGO_CACHE_REPO_READ_ONLY", "1")
	if !EnvConfig().ReadOnly {
		t.Error("MINGO_CACHE_REPO_READ_ONLY=1 is not read-only")
	}
	// As for mingo build: the first of the names that holds a boolean.
	t.Setenv("MINGO_CACHE_REPO_READ_ONLY", "false")
	t.Setenv("MINGO_CACHE_REPO_READONLY", "true")
	if EnvConfig().ReadOnly {
		t.Error("MINGO_CACHE_REPO_READ_ONLY=false is read-only when the older name says true")
	}
	t.Setenv("MINGO_CACHE_TRUST_IDENTITY", "id")
	t.Setenv("MINGO_CACHE_TRUST_ISSUER", "iss")
	t.Setenv("MINGO_CACHE_TRUST_ROOT", "root.json")
	if c := EnvConfig(); c.TrustIdentity != "id" || c.TrustIssuer != "iss" || c.TrustRoot != "root.json" {
		t.Errorf("EnvConfig keyless trust = %+v", c)
	}
}

// A repository that is not REGISTRY/REPOSITORY is a RepoError naming it.
func TestOpenRegistryInvalid(t *testing.T) {
	_, err := OpenRegistry(context.Background(), "Not A Repo", false, 0)
	var re *RepoError
	if !errors.As(err, &re) || re.Repo != "Not A Repo" || re.Err == nil {
		t.Errorf("OpenRegistry = %v, want a RepoError", err)
	}
	if _, err := OpenRegistry(context.Background(), "reg.example.com:5000/team/cache", true, 0); err != nil {
		t.Errorf("OpenRegistry of a valid repository: %v", err)
	}
}

// Run serves the go command until it closes; keys that cannot be used
// fail before anything is served.
func TestRun(t *testing.T) {
	t.Setenv("MINGO_CACHE", t.TempDir())
	t.Setenv("GOCACHE", "off")
	var out bytes.Buffer
	stats, err := Run(context.Background(), strings.NewReader(`{"ID":1,"Command":"close"}`+"\n"), &out, Config{})
	if err != nil || stats == nil {
		t.Fatalf("Run = %v, %v", stats, err)
	}
	if !strings.Contains(out.String(), "KnownCommands") {
		t.Errorf("Run wrote %q, want the known commands first", out.String())
	}
	missing := filepath.Join(t.TempDir(), "cosign.pub")
	out.Reset()
	stats, err = Run(context.Background(), strings.NewReader(""), &out, Config{Repo: "reg.example.com/cache", TrustKey: missing})
	var ke *buildcache.KeyError
	if !errors.As(err, &ke) || ke.Key != buildcache.TrustKey || !errors.Is(err, os.ErrNotExist) || stats != nil || out.Len() != 0 {
		t.Errorf("Run with a missing trust key = %v, %v, wrote %q; want a KeyError before serving", stats, err, out.String())
	}
	for _, c := range []struct {
		cfg  Config
		want error
	}{
		{Config{Repo: "reg.example.com/cache", TrustIdentity: "https://ci/wf", TrustIssuer: "https://issuer"}, buildcache.ErrTrustIncomplete},
		{Config{Repo: "reg.example.com/cache", TrustKey: missing, TrustIdentity: "https://ci/wf"}, buildcache.ErrTrustConflict},
		{Config{Repo: "reg.example.com/cache", TrustIdentity: "i", TrustIssuer: "s", TrustRoot: missing}, os.ErrNotExist},
	} {
		out.Reset()
		stats, err = Run(context.Background(), strings.NewReader(""), &out, c.cfg)
		if !errors.As(err, &ke) || ke.Key != buildcache.TrustIdentity || !errors.Is(err, c.want) || stats != nil || out.Len() != 0 {
			t.Errorf("Run(%+v) = %v, %v; want a KeyError wrapping %v before serving", c.cfg, stats, err, c.want)
		}
	}
}
