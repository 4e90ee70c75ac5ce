package gocache

import (
	"errors"
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

// ProgramConfig is what the gocache command that Program runs is told.
type ProgramConfig struct {
	// Repo is the registry repository it serves.
	Repo string
	// ReadOnly reads Repo and never writes to it (--read-only).
	ReadOnly bool
	// SignSocket is a unix socket that signs what it records (see
	// --sign-socket); "" when nothing signs.
	SignSocket string
	// TrustKey is a cosign public key file: an entry it did not sign is a
	// miss (--trust-key). A relative path is made absolute, since the go
	// command may start the program in another directory.
	TrustKey string
	// TrustIdentity, TrustIssuer and TrustRoot trust keyless signatures
	// instead (--trust-identity, --trust-issuer, --trust-root; see
	// Config); TrustRoot is made absolute too.
	TrustIdentity, TrustIssuer, TrustRoot string
	// Insecure lists the registries to reach over plain HTTP or without
	// TLS verification; Timeout bounds each registry request (0: the
	// program's default).
	Insecure []string
	Timeout  time.Duration
}

// Program is the GOCACHEPROG value that runs exe (a mingo binary) as the
// program serving c.Repo:
// exe gocache --repo REPO and the flags c sets. MINGO_CACHE and the
// credentials reach the program through the environment.
func Program(exe string, c ProgramConfig) (string, error) {
	if exe == "" {
		return "", errors.New("gocache: no program to run")
	}
	args := []string{exe, "gocache", "--repo", c.Repo}
	if c.ReadOnly {
		args = append(args, "--read-only")
	}
	if c.SignSocket != "" {
		args = append(args, "--sign-socket", c.SignSocket)
	}
	if c.TrustKey != "" {
		abs, err := filepath.Abs(c.TrustKey)
		if err != nil {
			return "", err
		}
		args = append(args, "--trust-key", abs)
	}
	args, err := c.identityArgs(args)
	if err != nil {
		return "", err
	}
	if r, err := name.NewRepository(c.Repo); err == nil && slices.Contains(c.Insecure, r.RegistryStr()) {
		args = append(args, "--insecure-registry")
	}
	if c.Timeout > 0 {
		args = append(args, "--registry-timeout", c.Timeout.String())
	}
	return quoteFields(args)
}

// identityArgs appends to args the flags of c's keyless trust identity.
func (c ProgramConfig) identityArgs(args []string) ([]string, error) {
	if c.TrustIdentity != "" {
		args = append(args, "--trust-identity", c.TrustIdentity)
	}
	if c.TrustIssuer != "" {
		args = append(args, "--trust-issuer", c.TrustIssuer)
	}
	if c.TrustRoot != "" {
		abs, err := filepath.Abs(c.TrustRoot)
		if err != nil {
			return nil, err
		}
		args = append(args, "--trust-root", abs)
	}
	return args, nil
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
