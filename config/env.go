package config

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// KoLocal is ko's name for the local container engine: KO_DOCKER_REPO=
// ko.local (or ko.local/PATH) loads the images into it, and ko.local/...
// names an image there.
const KoLocal = "ko.local"

// WithEnv returns o with the environment's defaults under what o sets:
// MINGO_CACHE_REPO under CacheRepo; MINGO_CACHE_SIGN_KEY,
// MINGO_CACHE_TRUST_KEY, MINGO_CACHE_TRUST_IDENTITY,
// MINGO_CACHE_TRUST_ISSUER, MINGO_CACHE_TRUST_ROOT and
// MINGO_CACHE_REPO_READ_ONLY (or MINGO_CACHE_REPO_READONLY) under the
// cache's trust; MINGO_DEBUG_TOOLBOX
// under the image's DebugToolbox; and KO_DOCKER_REPO as DefaultRepo (see
// KoRepo).
func (o Overlay) WithEnv() Overlay {
	if r := o.KoRepo(); r != "" {
		o.DefaultRepo = Set(r)
	}
	if r := os.Getenv("MINGO_CACHE_REPO"); !o.CacheRepo.Set && r != "" {
		o.CacheRepo = Set(r)
	}
	if r := os.Getenv("MINGO_DEBUG_TOOLBOX"); !o.Image.DebugToolbox.Set && r != "" {
		o.Image.DebugToolbox = Set(r)
	}
	o.cacheTrustEnv()
	return o
}

// cacheTrustEnv sets in o what the environment says of the cache's trust
// where o says nothing.
func (o *Overlay) cacheTrustEnv() {
	if v := os.Getenv("MINGO_CACHE_SIGN_KEY"); !o.CacheSignKey.Set && v != "" {
		o.CacheSignKey = Set(v)
	}
	for _, e := range []struct {
		env string
		dst *Located[string]
	}{
		{"MINGO_CACHE_TRUST_KEY", &o.CacheTrustKey},
		{"MINGO_CACHE_TRUST_IDENTITY", &o.CacheTrustIdentity},
		{"MINGO_CACHE_TRUST_ISSUER", &o.CacheTrustIssuer},
		{"MINGO_CACHE_TRUST_ROOT", &o.CacheTrustRoot},
	} {
		if v := os.Getenv(e.env); !e.dst.Set && v != "" {
			*e.dst = Set(v)
		}
	}
	if v, err := strconv.ParseBool(os.Getenv("MINGO_CACHE_SIGN_KEYLESS")); !o.CacheSignKeyless.Set && err == nil {
		o.CacheSignKeyless = Set(v)
	}
	// MINGO_CACHE_REPO_READONLY is the name mingo gocache read first.
	for _, k := range []string{"MINGO_CACHE_REPO_READ_ONLY", "MINGO_CACHE_REPO_READONLY"} {
		if v, err := strconv.ParseBool(os.Getenv(k)); !o.CacheRepoReadOnly.Set && err == nil {
			o.CacheRepoReadOnly = Set(v)
		}
	}
}

// KoRepo is KO_DOCKER_REPO, ko's repository for images named after their
// package, when neither Repo nor a full tag reference names them (bare
// tags, as ko takes them, go under it); "" when it is unset or means the
// local engine (see KoLoads).
func (o *Overlay) KoRepo() string {
	r := os.Getenv("KO_DOCKER_REPO")
	if o.Repo.Set || !o.bareTags() || r == KoLocal || strings.HasPrefix(r, KoLocal+"/") {
		return ""
	}
	return r
}

// KoLoads reports whether KO_DOCKER_REPO sends the images to the local
// engine: it is ko.local (or ko.local/PATH) and no Repo or full tag
// reference names them.
func (o *Overlay) KoLoads() bool {
	r := os.Getenv("KO_DOCKER_REPO")
	local := r == KoLocal || strings.HasPrefix(r, KoLocal+"/")
	return local && !o.Repo.Set && o.bareTags()
}

// bareTags reports whether every tag is a bare tag (v1.2.0), as ko takes
// them: no registry, no repository.
func (o *Overlay) bareTags() bool {
	for _, t := range o.Image.Tags.V {
		if strings.ContainsAny(t, "/:@") {
			return false
		}
	}
	return true
}

// RegistryTimeout is flag when given (the --registry-timeout flag was
// given), else MINGO_REGISTRY_TIMEOUT when set, else flag (0: the
// caller's default).
func RegistryTimeout(given bool, flag time.Duration) (time.Duration, error) {
	v := os.Getenv("MINGO_REGISTRY_TIMEOUT")
	if given || v == "" {
		return flag, nil
	}
	d, err := parseTimeout(v)
	if err != nil {
		return 0, fmt.Errorf("MINGO_REGISTRY_TIMEOUT %q: %w", v, err)
	}
	return d, nil
}
