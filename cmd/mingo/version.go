package main

import (
	"cmp"
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/mingo-build/mingo"
)

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
