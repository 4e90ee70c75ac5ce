package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/mingo-build/mingo"
	"github.com/mingo-build/mingo/buildcache/gocache"
	"github.com/mingo-build/mingo/config"
	"github.com/mingo-build/mingo/internal/progress"
)

func newCacheCommand() *cobra.Command {
	cmd := withHelp("cache", &cobra.Command{
		Use:   "cache",
		Short: "Show, trim or empty mingo's cache of layers and binaries",
	})
	size := cacheCommand("size", "Print the cache's directory and size", func(c *mingo.Cache) (string, error) {
		u, err := c.Usage()
		if err != nil {
			return "", fmt.Errorf("measuring the cache: %w", err)
		}
		return fmt.Sprintf("%s\t%s in %d files", c.Dir(), progress.Bytes(u.Bytes), u.Files), nil
	})
	size.Aliases = []string{"du"}
	age := 5 * 24 * time.Hour
	trim := cacheCommand("trim", "Remove now what no build used for --max-age", func(c *mingo.Cache) (string, error) {
		u, err := c.Trim(age)
		if err != nil {
			return "", fmt.Errorf("%w: try again when it is done", err)
		}
		return removed(c, u), nil
	})
	trim.Flags().Func("max-age", "remove entries unused for `AGE` (a duration such as 120h, or days such as 7d; 0s: everything no running build uses) (default 5d)", func(s string) (err error) {
		age, err = mingo.ParseTrimAge(s)
		return err
	})
	clean := cacheCommand("clean", "Empty the cache (but for the binaries of builds running now)", func(c *mingo.Cache) (string, error) {
		u, err := c.Clean()
		return removed(c, u), err
	})
	cmd.AddCommand(size, trim, newGoCacheRepoCommand(), clean)
	return cmd
}

// cacheCommand is a mingo cache subcommand: it opens the cache, has act
// act on it and prints the line act returns.
func cacheCommand(use, short string, act func(*mingo.Cache) (string, error)) *cobra.Command {
	return &cobra.Command{Use: use, Short: short, Args: cobra.NoArgs, RunE: func(cmd *cobra.Command, _ []string) error {
		c, err := mingo.OpenCache()
		if err != nil {
			return err
		}
		line, err := act(c)
		if err != nil {
			return err
		}
		fmt.Fprintln(cmd.OutOrStdout(), line)
		return nil
	}}
}

// removed is the line trim and clean print.
func removed(c *mingo.Cache, u mingo.CacheUsage) string {
	return fmt.Sprintf("removed %s in %d files from %s", progress.Bytes(u.Bytes), u.Files, c.Dir())
}

func newGoCacheCommand() *cobra.Command {
	c, verbose := gocache.EnvConfig(), false
	cmd := withHelp("gocache", &cobra.Command{
		Use:   "gocache",
		Short: "Share Go's build cache through a registry repository (a GOCACHEPROG program)",
		Args:  cobra.NoArgs,
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
	})
	fl := cmd.Flags()
	c.AddFlags(fl)
	fl.BoolVarP(&verbose, "verbose", "v", false, "print on standard error, at the end, the hits, misses and bytes moved")
	return cmd
}

// newGoCacheRepoCommand is mingo cache repo: what a repository holds of
// Go's build cache, and its trim by age.
func newGoCacheRepoCommand() *cobra.Command {
	var age time.Duration
	var insecure bool
	cmd := withHelp("cache-repo", &cobra.Command{
		Use:   "repo REGISTRY/REPOSITORY",
		Short: "Show, or trim by age, the Go build cache entries mingo gocache keeps in a repository",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			t, err := gocache.TrimRepo(cmd.Context(), args[0], insecure, age)
			if err != nil {
				return advise(err)
			}
			printTrimmed(cmd, t)
			return nil
		},
	})
	cmd.Flags().Func("max-age", "delete the entries put more than `AGE` ago (a duration such as 720h, or days such as 30d)", func(s string) (err error) {
		age, err = gocache.ParseMaxAge(s)
		return err
	})
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
