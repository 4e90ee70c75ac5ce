package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/mingo-build/mingo/buildcache/gocache"
	"github.com/mingo-build/mingo/config"
	"github.com/mingo-build/mingo/internal/progress"
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
			if c.Timeout, err = config.RegistryTimeout(cmd.Flags().Changed("registry-timeout"), c.Timeout); err != nil {
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
	c.AddFlags(fl)
	fl.BoolVarP(&verbose, "verbose", "v", false, "print on standard error, at the end, the hits, misses and bytes moved")
	return cmd
}

// newGoCacheRepoCommand is mingo cache repo: what a repository holds of
// Go's build cache, and its trim by age.
func newGoCacheRepoCommand() *cobra.Command {
	var maxAge string
	var insecure bool
	cmd := &cobra.Command{
		Use:     "repo REGISTRY/REPOSITORY",
		Short:   "Show, or trim by age, the Go build cache entries mingo gocache keeps in a repository",
		Long:    helpText("cache-repo.long"),
		Example: helpText("cache-repo.examples"),
		Args:    exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			age, err := gocache.ParseMaxAge(maxAge)
			if err != nil {
				return fmt.Errorf("--max-age %q: want a duration such as 720h or 30d", maxAge)
			}
			t, err := gocache.TrimRepo(cmd.Context(), args[0], insecure, age)
			if err != nil {
				return advise(err)
			}
			printTrimmed(cmd, t)
			return nil
		},
	}
	cmd.Flags().StringVar(&maxAge, "max-age", "", "delete the entries put more than `AGE` ago (a duration such as 720h, or days such as 30d)")
	cmd.Flags().BoolVar(&insecure, "insecure-registry", false, "allow plain HTTP or unverified TLS for the repository's registry")
	return cmd
}

// printTrimmed prints what mingo cache repo found, and removed.
func printTrimmed(cmd *cobra.Command, t *gocache.Trimmed) {
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "%s: %d entries, %s of outputs", t.Repo, t.Held.Entries, progress.Bytes(t.Held.Bytes))
	if t.Held.Entries > 0 {
		fmt.Fprintf(out, ", put %s to %s", t.Held.Oldest.Format(time.DateTime), t.Held.Newest.Format(time.DateTime))
	}
	fmt.Fprintln(out)
	if !t.Cutoff.IsZero() {
		fmt.Fprintf(out, "removed %d entries (%s) put before %s\n", t.Removed.Entries, progress.Bytes(t.Removed.Bytes), t.Cutoff.Format(time.DateTime))
	}
}
