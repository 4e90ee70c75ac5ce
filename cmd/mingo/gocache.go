package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/mingo-build/mingo/buildcache/gocache"
	"github.com/mingo-build/mingo/internal/layers"
)

// goCacheFlags are mingo gocache's flags.
type goCacheFlags struct {
	c       gocache.Config
	verbose bool
}

func newGoCacheCommand() *cobra.Command {
	f := goCacheFlags{c: gocache.EnvConfig()}
	cmd := &cobra.Command{
		Use:     "gocache",
		Short:   "Share Go's build cache through a registry repository (a GOCACHEPROG program)",
		Long:    helpText("gocache.long"),
		Example: helpText("gocache.examples"),
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return runGoCache(cmd, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.c.Repo, "repo", f.c.Repo, "share the cache through the registry repository `REGISTRY/REPOSITORY` (default $MINGO_CACHE_REPO; none: the local tier only)")
	fl.BoolVar(&f.c.ReadOnly, "read-only", f.c.ReadOnly, "read the repository, never write to it (default $MINGO_CACHE_REPO_READ_ONLY=1)")
	fl.StringVar(&f.c.SignKey, "sign-key", f.c.SignKey, "sign the entries written with the cosign private key `FILE` (passphrase in COSIGN_PASSWORD; default $MINGO_CACHE_SIGN_KEY)")
	fl.StringVar(&f.c.TrustKey, "trust-key", f.c.TrustKey, "take only entries signed by the cosign public key `FILE`; others are misses (default $MINGO_CACHE_TRUST_KEY)")
	fl.StringVar(&f.c.SignSocket, "sign-socket", "", "sign through the mingo build listening on the unix socket `PATH`")
	_ = fl.MarkHidden("sign-socket") // mingo build's own use
	fl.BoolVar(&f.c.Insecure, "insecure-registry", false, "allow plain HTTP or unverified TLS for the repository's registry")
	fl.Var(duration{&f.c.Timeout}, "registry-timeout", "give up a download or upload after `DURATION`, a lookup after a sixth of it (default $MINGO_REGISTRY_TIMEOUT, else 60s)")
	fl.BoolVarP(&f.verbose, "verbose", "v", false, "print on standard error, at the end, the hits, misses and bytes moved")
	return cmd
}

// runGoCache serves the go command on standard input and output.
func runGoCache(cmd *cobra.Command, f goCacheFlags) error {
	var err error
	if f.c.Timeout, err = registryTimeout(cmd.Flags().Changed("registry-timeout"), f.c.Timeout); err != nil {
		return err
	}
	stderr := cmd.ErrOrStderr()
	f.c.Warn = func(format string, args ...any) {
		fmt.Fprintf(stderr, "mingo gocache: warning: "+format+"\n", args...)
	}
	stats, err := gocache.Run(cmd.Context(), cmd.InOrStdin(), cmd.OutOrStdout(), f.c)
	if f.verbose && stats != nil {
		fmt.Fprintf(stderr, "mingo gocache: %v\n", *stats)
	}
	return advise(err)
}

// newGoCacheRepoCommand is mingo cache repo: what a repository holds of
// Go's build cache, and its trim by age.
func newGoCacheRepoCommand() *cobra.Command {
	var insecure bool
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
			reg, err := gocache.OpenRegistry(cmd.Context(), args[0], insecure, 0)
			if err != nil {
				return advise(err)
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
	cmd.Flags().BoolVar(&insecure, "insecure-registry", false, "allow plain HTTP or unverified TLS for the repository's registry")
	return cmd
}
