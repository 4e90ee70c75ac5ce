package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/mingo-build/mingo/buildcache/gocache"
)

func newGoCacheCommand() *cobra.Command {
	c, verbose := gocache.EnvConfig(), false
	cmd := &cobra.Command{
		Use:     "gocache",
		Short:   "Share Go's build cache through a registry repository (a GOCACHEPROG program)",
		Long:    helpText("gocache.long"),
		Example: helpText("gocache.examples"),
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if c.Timeout, err = registryTimeout(cmd.Flags().Changed("registry-timeout"), c.Timeout); err != nil {
				return err
			}
			stderr := cmd.ErrOrStderr()
			c.Warn = func(format string, args ...any) { fmt.Fprintf(stderr, "mingo gocache: warning: "+format+"\n", args...) }
			stats, err := gocache.Run(cmd.Context(), cmd.InOrStdin(), cmd.OutOrStdout(), c)
			if verbose && stats != nil {
				fmt.Fprintf(stderr, "mingo gocache: %v\n", *stats)
			}
			return advise(err)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&c.Repo, "repo", c.Repo, "share the cache through the registry repository `REGISTRY/REPOSITORY` (default $MINGO_CACHE_REPO; none: the local tier only)")
	fl.BoolVar(&c.ReadOnly, "read-only", c.ReadOnly, "read the repository, never write to it (default $MINGO_CACHE_REPO_READ_ONLY=1)")
	fl.StringVar(&c.SignKey, "sign-key", c.SignKey, "sign the entries written with the cosign private key `FILE` (passphrase in COSIGN_PASSWORD; default $MINGO_CACHE_SIGN_KEY)")
	fl.StringVar(&c.TrustKey, "trust-key", c.TrustKey, "take only entries signed by the cosign public key `FILE`; others are misses (default $MINGO_CACHE_TRUST_KEY)")
	fl.StringVar(&c.SignSocket, "sign-socket", "", "sign through the mingo build listening on the unix socket `PATH`")
	_ = fl.MarkHidden("sign-socket") // mingo build's own use
	fl.BoolVar(&c.Insecure, "insecure-registry", false, "allow plain HTTP or unverified TLS for the repository's registry")
	fl.Var(duration{&c.Timeout}, "registry-timeout", "give up a download or upload after `DURATION`, a lookup after a sixth of it (default $MINGO_REGISTRY_TIMEOUT, else 60s)")
	fl.BoolVarP(&verbose, "verbose", "v", false, "print on standard error, at the end, the hits, misses and bytes moved")
	return cmd
}
