package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/mingo-build/mingo"
	"github.com/mingo-build/mingo/internal/progress"
)

func newCacheCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "cache",
		Short:   "Show, trim or empty mingo's cache of layers and binaries",
		Long:    helpText("cache.long"),
		Example: helpText("cache.examples"),
	}
	var maxAge string
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
