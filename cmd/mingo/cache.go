package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/mingo-build/mingo/internal/layers"
)

func newCacheCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "cache",
		Short:   "Show, trim or empty mingo's cache of layers and binaries",
		Long:    helpText("cache.long"),
		Example: helpText("cache.examples"),
	}
	cmd.AddCommand(newCacheSizeCommand(), newCacheTrimCommand(), newGoCacheRepoCommand(), newCacheCleanCommand())
	return cmd
}

func newCacheSizeCommand() *cobra.Command {
	return &cobra.Command{
		Use:     "size",
		Aliases: []string{"du"},
		Short:   "Print the cache's directory and size",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := openCacheOnly()
			if err != nil {
				return err
			}
			u, err := c.Usage()
			if err != nil {
				return fmt.Errorf("measuring the cache: %w", err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s\t%s in %d files\n", c.Dir(), humanBytes(u.Bytes), u.Files)
			return nil
		},
	}
}

func newCacheTrimCommand() *cobra.Command {
	var maxAge string
	trim := &cobra.Command{
		Use:   "trim",
		Short: "Remove now what no build used for --max-age",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			age, err := trimAge(maxAge)
			if err != nil {
				return err
			}
			c, err := openCacheOnly()
			if err != nil {
				return err
			}
			u, err := trimSoon(c, age)
			if err != nil {
				return fmt.Errorf("%w: try again when it is done", err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "removed %s in %d files from %s\n", humanBytes(u.Bytes), u.Files, c.Dir())
			return nil
		},
	}
	trim.Flags().StringVar(&maxAge, "max-age", "5d", "remove entries unused for `AGE` (a duration such as 120h, or days such as 7d; 0s: everything no running build uses)")
	return trim
}

// trimAge reads --max-age: what layers.ParseMaxAge reads, and 0 (as "0s"
// or "0"), which removes everything unused; "off" means nothing here.
func trimAge(s string) (time.Duration, error) {
	if d, err := time.ParseDuration(s); err == nil && d == 0 || s == "0" {
		return 0, nil
	}
	age, err := layers.ParseMaxAge(s)
	if err != nil || age == 0 || s == "" {
		return 0, fmt.Errorf("--max-age %q: not a duration such as 120h, 7d or 0s", s)
	}
	return age, nil
}

// trimSoon trims c, retrying for a few seconds while builds are looking
// entries up (each holds the cache for a moment).
func trimSoon(c *layers.Cache, age time.Duration) (layers.Usage, error) {
	deadline := time.Now().Add(5 * time.Second)
	for {
		u, err := c.Trim(time.Now(), age)
		if !errors.Is(err, layers.ErrBusy) || time.Now().After(deadline) {
			return u, err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func newCacheCleanCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "clean",
		Short: "Empty the cache (but for the binaries of builds running now)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := openCacheOnly()
			if err != nil {
				return err
			}
			u, err := c.Clean()
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "removed %s in %d files from %s\n", humanBytes(u.Bytes), u.Files, c.Dir())
			return nil
		},
	}
}

// openCacheOnly opens the cache without the automatic trim, which would
// change what the command reports.
func openCacheOnly() (*layers.Cache, error) {
	dir, err := layers.DefaultCacheDir()
	if err != nil {
		return nil, err
	}
	return layers.OpenCache(dir)
}
