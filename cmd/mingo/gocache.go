package main

import (
	"fmt"
	"os"
	"strconv"
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
		Use:     "gocache",
		Short:   "Share Go's build cache through a registry repository (a GOCACHEPROG program)",
		Long:    helpText("gocache.long"),
		Example: helpText("gocache.examples"),
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return runGoCache(cmd, f) },
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
	var err error
	if f.timeout, err = registryTimeout(cmd.Flags().Changed("registry-timeout"), f.timeout); err != nil {
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
	c, release, err := gocache.OpenDefault(o)
	if err != nil {
		return err
	}
	defer release()
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
// Go's build cache too: this mingo's gocache command (see
// gocache.Program), with the registry settings of the build (insecure
// lists the registries --insecure-registry applies to), its cache's
// read-only setting and trust key, and signSocket (see signService; ""
// when the build does not sign): the go command's environment has no
// COSIGN_PASSWORD to open the sign key with.
func goCacheProgram(cfg *mingo.Config, signSocket string, insecure []string, timeout time.Duration) (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	return gocache.Program(exe, gocache.ProgramConfig{Repo: cfg.CacheRepo, ReadOnly: cfg.CacheRepoReadOnly,
		SignSocket: signSocket, TrustKey: cfg.CacheTrustKey, Insecure: insecure, Timeout: timeout})
}

// newGoCacheRepoCommand is mingo cache repo: what a repository holds of
// Go's build cache, and its trim by age.
func newGoCacheRepoCommand() *cobra.Command {
	var f goCacheFlags
	var maxAge string
	cmd := &cobra.Command{
		Use:     "repo REGISTRY/REPOSITORY",
		Short:   "Show, or trim by age, the Go build cache entries mingo gocache keeps in a repository",
		Long:    helpText("cache-repo.long"),
		Example: helpText("cache-repo.examples"),
		Args:    exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var cutoff time.Time
			if maxAge != "" {
				age, err := layers.ParseMaxAge(maxAge)
				if err != nil || age == 0 {
					return fmt.Errorf("--max-age %q: want a duration such as 720h or 30d", maxAge)
				}
				cutoff = time.Now().Add(-age)
			}
			reg, err := goCacheRegistry(cmd, goCacheFlags{repo: args[0], insecure: f.insecure})
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
