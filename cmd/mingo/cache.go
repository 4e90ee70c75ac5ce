package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/mingo-build/mingo"
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
			c, err := mingo.OpenCache()
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
			age, err := mingo.ParseTrimAge(maxAge)
			if err != nil {
				return fmt.Errorf("--max-age %w", err)
			}
			c, err := mingo.OpenCache()
			if err != nil {
				return err
			}
			u, err := c.Trim(age)
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

func newCacheCleanCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "clean",
		Short: "Empty the cache (but for the binaries of builds running now)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := mingo.OpenCache()
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
