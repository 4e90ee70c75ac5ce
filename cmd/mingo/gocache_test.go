package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mingo-build/mingo"
	"github.com/mingo-build/mingo/buildcache/gocache"
)

func TestGoCacheProgram(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	got, err := goCacheProgram(&mingo.Config{CacheRepo: "reg.example.com:5000/team/gocache"}, "", []string{"reg.example.com:5000"}, 90*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	want := exe + " gocache --repo reg.example.com:5000/team/gocache --insecure-registry --registry-timeout 1m30s"
	if strings.ContainsAny(exe, " '\"") || got != want {
		t.Errorf("goCacheProgram = %q, want %q", got, want)
	}
	got, _ = goCacheProgram(&mingo.Config{CacheRepo: "ghcr.io/acme/cache"}, "", []string{"reg.example.com:5000"}, 0)
	if want := exe + " gocache --repo ghcr.io/acme/cache"; got != want {
		t.Errorf("goCacheProgram = %q, want %q", got, want)
	}
	// The cache's trust reaches the program, with absolute key paths.
	got, _ = goCacheProgram(&mingo.Config{CacheRepo: "ghcr.io/acme/cache", CacheRepoReadOnly: true, CacheTrustKey: "cosign.pub", CacheSignKey: "/keys/cosign.key"}, "/tmp/s/sock", nil, 0)
	wd, _ := os.Getwd()
	if want := exe + " gocache --repo ghcr.io/acme/cache --read-only --sign-socket /tmp/s/sock --trust-key " + filepath.Join(wd, "cosign.pub"); got != want {
		t.Errorf("goCacheProgram = %q, want %q", got, want)
	}
}

// A repository that is not REGISTRY/REPOSITORY is named by the flag that
// gave it, as mingo gocache --repo always has.
func TestGoCacheRepoAdvice(t *testing.T) {
	_, err := gocache.OpenRegistry(context.Background(), "Not A Repo", false, 0)
	if got := advise(err).Error(); !strings.HasPrefix(got, `--repo "Not A Repo": want REGISTRY/REPOSITORY: `) {
		t.Errorf("advise = %q", got)
	}
}
