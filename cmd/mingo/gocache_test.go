package main

import (
	"context"
	"strings"
	"testing"

	"github.com/mingo-build/mingo/buildcache/gocache"
)

// A repository that is not REGISTRY/REPOSITORY is named by the flag that
// gave it, as mingo gocache --repo always has.
func TestGoCacheRepoAdvice(t *testing.T) {
	_, err := gocache.OpenRegistry(context.Background(), "Not A Repo", false, 0)
	if got := advise(err).Error(); !strings.HasPrefix(got, `--repo "Not A Repo": want REGISTRY/REPOSITORY: `) {
		t.Errorf("advise = %q", got)
	}
}
