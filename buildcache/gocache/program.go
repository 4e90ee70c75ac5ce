package gocache

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/mingo-build/mingo/internal/layers"
)

// OpenDefault returns the cache with its local tier in mingo's cache
// ($MINGO_CACHE/gocache), and a function to call when done serving. Until
// then the cache is held shared, so that no trim (mingo cache trim, a
// build's daily trim) removes a file the go command is about to read.
func OpenDefault(o Options) (*Cache, func(), error) {
	dir, err := layers.DefaultCacheDir()
	if err != nil {
		return nil, nil, err
	}
	release := func() {}
	if lc, err := layers.OpenCache(dir); err == nil {
		release = lc.Use()
	}
	disk, err := OpenDisk(filepath.Join(dir, layers.GoCacheDir))
	if err != nil {
		release()
		return nil, nil, err
	}
	return New(disk, o), release, nil
}

// Program is the GOCACHEPROG value that runs exe (a mingo binary) as the
// program serving repo: exe gocache --repo REPO, with --insecure-registry
// when repo's registry is among insecure, and --registry-timeout when
// timeout is set. MINGO_CACHE, MINGO_CACHE_REPO_READONLY and the
// credentials reach the program through the environment.
func Program(exe, repo string, insecure []string, timeout time.Duration) (string, error) {
	args := []string{exe, "gocache", "--repo", repo}
	if r, err := name.NewRepository(repo); err == nil && slices.Contains(insecure, r.RegistryStr()) {
		args = append(args, "--insecure-registry")
	}
	if timeout > 0 {
		args = append(args, "--registry-timeout", timeout.String())
	}
	return quoteFields(args)
}

// quoteFields joins args as the go command splits GOCACHEPROG: on spaces,
// with a field that holds one in single or double quotes.
func quoteFields(args []string) (string, error) {
	var quoted []string
	for _, a := range args {
		switch {
		case a != "" && !strings.ContainsAny(a, " \t\n\r'\""):
			quoted = append(quoted, a)
		case !strings.Contains(a, "'"):
			quoted = append(quoted, "'"+a+"'")
		case !strings.Contains(a, `"`):
			quoted = append(quoted, `"`+a+`"`)
		default:
			return "", fmt.Errorf("%q holds both quotes: GOCACHEPROG cannot quote it", a)
		}
	}
	return strings.Join(quoted, " "), nil
}
