package mingo

import (
	"time"

	"github.com/mingo-build/mingo/buildcache/gocache"
)

// GoCacheProgram is the GOCACHEPROG that makes c's cache repository Go's
// build cache too: the running program, a mingo binary, serving it as
// mingo gocache does (see gocache.Program), with c's read-only setting
// and trust key, the registry settings of the build (insecure lists the
// registries reached insecurely; timeout bounds each request) and
// signSocket (see sign.Lender; "" when the build does not sign): the go
// command's environment has no COSIGN_PASSWORD to open the sign key with.
func (c *Config) GoCacheProgram(signSocket string, insecure []string, timeout time.Duration) (string, error) {
	return gocache.Program("", gocache.ProgramConfig{Repo: c.CacheRepo, ReadOnly: c.CacheRepoReadOnly,
		SignSocket: signSocket, TrustKey: c.CacheTrustKey, Insecure: insecure, Timeout: timeout})
}
