package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/mingo-build/mingo"
	"github.com/mingo-build/mingo/buildcache/gocache"
	"github.com/mingo-build/mingo/internal/progress"
)

func newCacheCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "cache",
		Short:   "Show, trim or empty mingo's cache of layers and binaries",
		Long:    helpText("cache.long"),
		Example: helpText("cache.examples"),
	}
	var maxAge, repoAge string
	var insecure bool
	size := cacheCommand("size", "Print the cache's directory and size", func(c *mingo.Cache) (string, error) {
		u, err := c.Usage()
		if err != nil {
			return "", fmt.Errorf("measuring the cache: %w", err)
		}
		return fmt.Sprintf("%s\t%s in %d files", c.Dir(), progress.Bytes(u.Bytes), u.Files), nil
	})
	size.Aliases = []string{"du"}
	var age time.Duration
	trim := cacheCommand("trim", "Remove now what no build used for --max-age", func(c *mingo.Cache) (string, error) {
		u, err := c.Trim(age)
		if err != nil {
			return "", fmt.Errorf("%w: try again when it is done", err)
		}
		return removed(c, u), nil
	})
	trim.PreRunE = func(*cobra.Command, []string) (err error) {
		if age, err = mingo.ParseTrimAge(maxAge); err != nil {
			return fmt.Errorf("--max-age %w", err)
		}
		return nil
	}
	trim.Flags().StringVar(&maxAge, "max-age", "5d", "remove entries unused for `AGE` (a duration such as 120h, or days such as 7d; 0s: everything no running build uses)")
	clean := cacheCommand("clean", "Empty the cache (but for the binaries of builds running now)", func(c *mingo.Cache) (string, error) {
		u, err := c.Clean()
		return removed(c, u), err
	})
	repo := &cobra.Command{
		Use:     "repo REGISTRY/REPOSITORY",
		Short:   "Show, or trim by age, the Go build cache entries mingo gocache keeps in a repository",
		Long:    helpText("cache-repo.long"),
		Example: helpText("cache-repo.examples"),
		Args:    exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			age, err := gocache.ParseMaxAge(repoAge)
			if err != nil {
				return fmt.Errorf("--max-age %q: want a duration such as 720h or 30d", repoAge)
			}
			t, err := gocache.TrimRepo(cmd.Context(), args[0], insecure, age)
			if err != nil {
				return advise(err)
			}
			printTrimmed(cmd, t)
			return nil
		},
	}
	repo.Flags().StringVar(&repoAge, "max-age", "", "delete the entries put more than `AGE` ago (a duration such as 720h, or days such as 30d)")
	repo.Flags().BoolVar(&insecure, "insecure-registry", false, "allow plain HTTP or unverified TLS for the repository's registry")
	cmd.AddCommand(size, trim, repo, clean)
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

func removed(c *mingo.Cache, u mingo.CacheUsage) string {
	return fmt.Sprintf("removed %s in %d files from %s", progress.Bytes(u.Bytes), u.Files, c.Dir())
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
