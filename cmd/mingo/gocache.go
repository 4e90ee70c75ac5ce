package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/spf13/cobra"

	"github.com/mingo-build/mingo"
	"github.com/mingo-build/mingo/buildcache/gocache"
	"github.com/mingo-build/mingo/internal/layers"
	"github.com/mingo-build/mingo/publish"
)

// goCacheFlags are mingo gocache's flags.
type goCacheFlags struct {
	repo               string
	signKey, trustKey  string
	signSocket         string
	readOnly, insecure bool
	verbose            bool
	timeout            time.Duration
}

func newGoCacheCommand() *cobra.Command {
	var f goCacheFlags
	cmd := &cobra.Command{
		Use:   "gocache",
		Short: "Share Go's build cache through a registry repository (a GOCACHEPROG program)",
		Long: `gocache is a GOCACHEPROG program: the go command starts it and keeps its build
cache (compiled packages, test results) through it. Outputs are kept in
$MINGO_CACHE/gocache and shared through the registry repository --repo, so a
fresh CI runner compiles only what no runner compiled before. What the go
command itself cached in GOCACHE before is read too. Credentials come
from the Docker config and its helpers (mingo login, docker login).

An unreachable, slow or denying repository is one warning, and the go command
builds as without it. --read-only (or MINGO_CACHE_REPO_READ_ONLY=1) reads the
repository and never writes to it. mingo build --cache-repo uses it for its
go build commands, unless GOCACHEPROG is set.

Anyone who can write the repository decides what the go command gets from it,
unless --trust-key names a cosign public key: an entry it did not sign is then
a miss (one warning), and the go command compiles. --sign-key signs what this
process writes (passphrase in COSIGN_PASSWORD).`,
		Example: `  GOCACHEPROG="mingo gocache --repo registry.example.com/team/gocache" go test ./...

  # Pull requests read what the main branch's builds wrote
  export MINGO_CACHE_REPO=registry.example.com/team/gocache MINGO_CACHE_REPO_READ_ONLY=1
  GOCACHEPROG="mingo gocache --trust-key cosign.pub" go build ./...

  # The main branch signs what it writes
  COSIGN_PASSWORD=... GOCACHEPROG="mingo gocache --sign-key cosign.key --trust-key cosign.pub" go build ./...`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runGoCache(cmd, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.repo, "repo", os.Getenv("MINGO_CACHE_REPO"), "share the cache through the registry repository `REGISTRY/REPOSITORY` (default $MINGO_CACHE_REPO; none: the local tier only)")
	fl.BoolVar(&f.readOnly, "read-only", envTrue("MINGO_CACHE_REPO_READ_ONLY") || envTrue("MINGO_CACHE_REPO_READONLY"), "read the repository, never write to it (default $MINGO_CACHE_REPO_READ_ONLY=1)")
	fl.StringVar(&f.signKey, "sign-key", os.Getenv("MINGO_CACHE_SIGN_KEY"), "sign the entries written with the cosign private key `FILE` (passphrase in COSIGN_PASSWORD; default $MINGO_CACHE_SIGN_KEY)")
	fl.StringVar(&f.trustKey, "trust-key", os.Getenv("MINGO_CACHE_TRUST_KEY"), "take only entries signed by the cosign public key `FILE`; others are misses (default $MINGO_CACHE_TRUST_KEY)")
	fl.StringVar(&f.signSocket, "sign-socket", "", "sign through the mingo build listening on the unix socket `PATH`")
	_ = fl.MarkHidden("sign-socket") // mingo build's own use
	fl.BoolVar(&f.insecure, "insecure-registry", false, "allow plain HTTP or unverified TLS for the repository's registry")
	fl.Var(duration{&f.timeout}, "registry-timeout", "give up a download or upload after `DURATION`, a lookup after a sixth of it (default $MINGO_REGISTRY_TIMEOUT, else 60s)")
	fl.BoolVarP(&f.verbose, "verbose", "v", false, "print on standard error, at the end, the hits, misses and bytes moved")
	return cmd
}

// runGoCache serves the go command on standard input and output.
func runGoCache(cmd *cobra.Command, f goCacheFlags) error {
	if v := os.Getenv("MINGO_REGISTRY_TIMEOUT"); v != "" && !cmd.Flags().Changed("registry-timeout") {
		d, err := parseTimeout(v)
		if err != nil {
			return fmt.Errorf("MINGO_REGISTRY_TIMEOUT %q: %w", v, err)
		}
		f.timeout = d
	}
	dir, err := layers.DefaultCacheDir()
	if err != nil {
		return err
	}
	// Held shared while serving: no trim removes a file the go command
	// is about to read.
	if lc, err := layers.OpenCache(dir); err == nil {
		defer lc.Use()()
	}
	disk, err := gocache.OpenDisk(filepath.Join(dir, layers.GoCacheDir))
	if err != nil {
		return err
	}
	stderr := cmd.ErrOrStderr()
	o := gocache.Options{ReadOnly: f.readOnly, Timeout: f.timeout, LookupTimeout: f.timeout / 6, GoDir: gocache.DefaultGoDir(), Warn: func(format string, args ...any) {
		fmt.Fprintf(stderr, "mingo gocache: warning: "+format+"\n", args...)
	}}
	if f.repo != "" {
		if o.Registry, err = goCacheRegistry(cmd, f); err != nil {
			return err
		}
		if err := f.trust(o.Registry); err != nil {
			return err
		}
	}
	c := gocache.New(disk, o)
	err = gocache.Serve(cmd.Context(), cmd.InOrStdin(), cmd.OutOrStdout(), c)
	if f.verbose {
		fmt.Fprintf(stderr, "mingo gocache: %v\n", c.Stats())
	}
	return err
}

// goCacheRegistry is the registry tier --repo names, reached as a push is.
func goCacheRegistry(cmd *cobra.Command, f goCacheFlags) (*gocache.Registry, error) {
	var opts []name.Option
	if f.insecure {
		opts = append(opts, name.Insecure)
	}
	repo, err := name.NewRepository(f.repo, opts...)
	if err != nil {
		return nil, fmt.Errorf("--repo %q: want REGISTRY/REPOSITORY: %w", f.repo, err)
	}
	reg := &publish.Registry{Timeout: f.timeout}
	if f.insecure {
		reg.Insecure = []string{repo.RegistryStr()}
	}
	return gocache.NewRegistry(repo, reg.RemoteOptions(cmd.Context())...)
}

// trust gives reg the keys of --sign-key and --trust-key.
func (f goCacheFlags) trust(reg *gocache.Registry) error {
	if f.trustKey != "" {
		k, err := loadTrustKey(f.trustKey)
		if err != nil {
			return err
		}
		reg.Trusting(k)
	}
	if f.readOnly {
		return nil
	}
	if f.signSocket != "" {
		reg.SignedBy(newSocketSigner(f.signSocket))
		return nil
	}
	if f.signKey != "" {
		s, err := loadCacheSignKey(f.signKey)
		if err != nil {
			return err
		}
		reg.SignedBy(s)
	}
	return nil
}

// envTrue reports whether the variable k is set to 1 or true.
func envTrue(k string) bool {
	v, _ := strconv.ParseBool(os.Getenv(k))
	return v
}

// goCacheProgram is the GOCACHEPROG that makes cfg's cache repository
// Go's build cache too: this mingo's gocache command, with the registry
// settings of the build (insecure lists the registries
// --insecure-registry applies to), its cache's read-only setting and
// trust key, and signSocket (see signService; "" when the build does not
// sign): the go command's environment has no COSIGN_PASSWORD to open the
// sign key with. MINGO_CACHE and the credentials reach it through the
// environment.
func goCacheProgram(cfg *mingo.Config, signSocket string, insecure []string, timeout time.Duration) (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	repo := cfg.CacheRepo
	args := []string{exe, "gocache", "--repo", repo}
	if cfg.CacheRepoReadOnly {
		args = append(args, "--read-only")
	}
	if signSocket != "" {
		args = append(args, "--sign-socket", signSocket)
	}
	if cfg.CacheTrustKey != "" {
		// The go command may start it in another directory.
		abs, err := filepath.Abs(cfg.CacheTrustKey)
		if err != nil {
			return "", err
		}
		args = append(args, "--trust-key", abs)
	}
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

// newGoCacheRepoCommand is mingo cache repo: what a repository holds of
// Go's build cache, and its trim by age.
func newGoCacheRepoCommand() *cobra.Command {
	var f goCacheFlags
	var maxAge string
	cmd := &cobra.Command{
		Use:   "repo REGISTRY/REPOSITORY",
		Short: "Show, or trim by age, the Go build cache entries mingo gocache keeps in a repository",
		Long: `repo reads every gocache- entry of the repository (one request each) and prints
how many there are, the size of their outputs and when they were put. With
--max-age it deletes the entries put longer ago; the registry's garbage
collection then frees their blobs. Deleting needs push access and a registry
that allows it (Distribution: storage.delete.enabled).`,
		Example: `  mingo cache repo registry.example.com/team/gocache
  mingo cache repo registry.example.com/team/gocache --max-age 30d`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var cutoff time.Time
			if maxAge != "" {
				age, err := layers.ParseMaxAge(maxAge)
				if err != nil || age == 0 {
					return fmt.Errorf("--max-age %q: want a duration such as 720h or 30d", maxAge)
				}
				cutoff = time.Now().Add(-age)
			}
			f.repo = args[0]
			reg, err := goCacheRegistry(cmd, f)
			if err != nil {
				return err
			}
			held, removed, err := reg.Trim(cmd.Context(), cutoff)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "%s: %d entries, %s of outputs", reg.Name(), held.Entries, humanBytes(held.Bytes))
			if held.Entries > 0 {
				fmt.Fprintf(out, ", put %s to %s", held.Oldest.Format(time.DateTime), held.Newest.Format(time.DateTime))
			}
			fmt.Fprintln(out)
			if !cutoff.IsZero() {
				fmt.Fprintf(out, "removed %d entries (%s) put before %s\n", removed.Entries, humanBytes(removed.Bytes), cutoff.Format(time.DateTime))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&maxAge, "max-age", "", "delete the entries put more than `AGE` ago (a duration such as 720h, or days such as 30d)")
	cmd.Flags().BoolVar(&f.insecure, "insecure-registry", false, "allow plain HTTP or unverified TLS for the repository's registry")
	return cmd
}
