package mingo

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestGoCacheProgram(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	got, err := (&Config{CacheRepo: "reg.example.com:5000/team/gocache"}).GoCacheProgram("", []string{"reg.example.com:5000"}, 90*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	want := exe + " gocache --repo reg.example.com:5000/team/gocache --insecure-registry --registry-timeout 1m30s"
	if strings.ContainsAny(exe, " '\"") || got != want {
		t.Errorf("GoCacheProgram = %q, want %q", got, want)
	}
	got, _ = (&Config{CacheRepo: "ghcr.io/acme/cache"}).GoCacheProgram("", []string{"reg.example.com:5000"}, 0)
	if want := exe + " gocache --repo ghcr.io/acme/cache"; got != want {
		t.Errorf("GoCacheProgram = %q, want %q", got, want)
	}
	// The cache's trust reaches the program, with absolute key paths.
	got, _ = (&Config{CacheRepo: "ghcr.io/acme/cache", CacheRepoReadOnly: true, CacheTrustKey: "cosign.pub", CacheSignKey: "/keys/cosign.key"}).GoCacheProgram("/tmp/s/sock", nil, 0)
	wd, _ := os.Getwd()
	if want := exe + " gocache --repo ghcr.io/acme/cache --read-only --sign-socket /tmp/s/sock --trust-key " + filepath.Join(wd, "cosign.pub"); got != want {
		t.Errorf("GoCacheProgram = %q, want %q", got, want)
	}
}
