package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

func newRootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:           "mingo",
		Short:         "Build minimal container images for Go programs, with no daemon and no Dockerfile",
		Long:          helpText("mingo.long"),
		Example:       helpText("mingo.examples"),
		SilenceUsage:  true,
		SilenceErrors: true,
		// Runnable with Args, so that a mistyped command gets the one-line
		// error of unknownCommand instead of cobra's several lines.
		Args:                       unknownCommand,
		SuggestionsMinimumDistance: 2,
		RunE:                       func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	root.AddCommand(newBuildCommand(), newResolveCommand(), newLoginCommand(), newVerifyCommand(), newGenerateKeyCommand(), newVersionCommand(), newCacheCommand(), newGoCacheCommand())
	root.SetFlagErrorFunc(suggestFlag)
	return root
}

// unknownCommand refuses an argument to mingo itself, a mistyped command,
// suggesting the command meant as cobra does (mingo biuld: build).
func unknownCommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	err := fmt.Errorf("unknown command %q for %q", args[0], cmd.CommandPath())
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		return fmt.Errorf("%w: did you mean %s?", err, strings.Join(s, " or "))
	}
	return fmt.Errorf("%w: see %s --help", err, cmd.CommandPath())
}

// suggestFlag adds to cobra's "unknown flag: --tarbal" the flag meant, as
// cobra does for mistyped commands, and words a bad value as every other
// error about a flag is worded: --expose: port 99999 is out of range ...
func suggestFlag(cmd *cobra.Command, err error) error {
	if bad, ok := errors.AsType[*pflag.InvalidValueError](err); ok {
		return &advice{fmt.Sprintf("--%s: %v", bad.GetFlag().Name, errors.Unwrap(bad)), err}
	}
	if short, ok := strings.CutPrefix(err.Error(), "unknown shorthand flag: '"); ok && short != "" {
		return suggestShorthand(cmd, err, short[0])
	}
	given, ok := strings.CutPrefix(err.Error(), "unknown flag: --")
	if !ok {
		return err
	}
	best, bestDist := "", 3 // farther than two edits is no suggestion
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if d := editDistance(given, f.Name); d < bestDist || d == bestDist && f.Name < best {
			best, bestDist = f.Name, d
		}
	})
	if best == "" {
		return err
	}
	return fmt.Errorf("%w: did you mean --%s?", err, best)
}

// suggestShorthand adds to cobra's "unknown shorthand flag: 'T' in -T"
// the shorthand of the other case, when there is one (-t).
func suggestShorthand(cmd *cobra.Command, err error, c byte) error {
	var other string
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if f.Shorthand != "" && strings.EqualFold(f.Shorthand, string(c)) {
			other = f.Shorthand
		}
	})
	if other == "" {
		return err
	}
	return fmt.Errorf("%w: did you mean -%s?", err, other)
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// exactArgs is cobra.ExactArgs with the usage in its one-line error.
func exactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) == n {
			return nil
		}
		return fmt.Errorf("%s takes %d argument(s), got %d: usage: %s", cmd.CommandPath(), n, len(args), cmd.UseLine())
	}
}
