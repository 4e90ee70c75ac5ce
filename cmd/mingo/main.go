// Command mingo builds minimal container images for Go programs, with no
// Docker daemon and no Dockerfile.
package main

import (
	"cmp"
	"embed"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/mingo-build/mingo"
	"github.com/mingo-build/mingo/internal/interrupt"
	"github.com/mingo-build/mingo/internal/suggest"
)

func main() {
	ctx, stop := interrupt.Catch("mingo")
	err := newRootCommand().ExecuteContext(ctx)
	if s := stop(); s != nil { // it says "mingo: stopped by SIGNAL"
		os.Exit(interrupt.Status(s))
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "mingo: error: %v\n", err)
		os.Exit(1)
	}
}

func newRootCommand() *cobra.Command {
	root := withHelp("mingo", &cobra.Command{
		Use:           "mingo",
		Short:         "Build minimal container images for Go programs, with no daemon and no Dockerfile",
		SilenceUsage:  true,
		SilenceErrors: true,
		// Runnable with Args, so that a mistyped command gets the one-line
		// error of unknownCommand instead of cobra's several lines.
		Args:                       unknownCommand,
		SuggestionsMinimumDistance: 2,
		RunE:                       func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	})
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
// cobra does for mistyped commands, and to "unknown shorthand flag: 'T'
// in -T" the shorthand of the other case (-t); it words a bad value as
// every other error about a flag is worded: --expose: port 99999 is out
// of range ...
func suggestFlag(cmd *cobra.Command, err error) error {
	if bad, ok := errors.AsType[*pflag.InvalidValueError](err); ok {
		return &advice{fmt.Sprintf("--%s: %v", bad.GetFlag().Name, errors.Unwrap(bad)), err}
	}
	if s := suggest.Flag(err, cmd.Flags()); s != "" {
		return fmt.Errorf("%w: did you mean %s?", err, s)
	}
	return err
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

// helpFiles hold the commands' long help and examples, as text a reader
// edits without Go quoting: help/COMMAND.long.txt, help/COMMAND.examples.txt.
//
//go:embed help/*.txt
var helpFiles embed.FS

// withHelp gives cmd the long help and examples of
// help/NAME.long.txt and help/NAME.examples.txt.
func withHelp(name string, cmd *cobra.Command) *cobra.Command {
	text := func(kind string) string {
		b, err := helpFiles.ReadFile("help/" + name + "." + kind + ".txt")
		if err != nil {
			panic(err) // a file named in the code is embedded with it
		}
		return strings.TrimSuffix(string(b), "\n")
	}
	cmd.Long, cmd.Example = text("long"), text("examples")
	return cmd
}

// version is stamped by the release build: -ldflags "-X main.version=v1.2.3".
var version = ""

// versionNumber is the release version, else mingo's module version (as
// go install records it), or "(devel)".
func versionNumber() string { return cmp.Or(version, mingo.Version()) }

func newVersionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print mingo's version and the Go it was built with",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintf(cmd.OutOrStdout(), "mingo %s (%s %s/%s)\n", versionNumber(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return err
		},
	}
}
