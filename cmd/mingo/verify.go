package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/mingo-build/mingo/verify"
)

func newVerifyCommand() *cobra.Command {
	var req verify.Request
	cmd := withHelp("verify", &cobra.Command{
		Use:   "verify PACKAGE IMAGE",
		Short: "Rebuild PACKAGE as IMAGE was built and check the digests match",
		Args:  exactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			req.Package, req.Image = args[0], args[1]
			rep, err := req.Rebuild(cmd.Context())
			if err != nil {
				return verifyAdvice(req.Image, err)
			}
			if rep.WantGo != "" && rep.WantGo != rep.GotGo {
				fmt.Fprintf(cmd.ErrOrStderr(), "note: %s was built with %s; this rebuild uses %s, so digests are expected to differ\n", req.Image, rep.WantGo, rep.GotGo)
			}
			return printVerify(cmd.OutOrStdout(), rep)
		},
	})
	req.AddFlags(cmd.Flags())
	return cmd
}

// printVerify prints one line per platform and fails on any mismatch.
func printVerify(w io.Writer, rep *verify.Report) error {
	for _, p := range rep.Platforms {
		key := p.Platform.String()
		switch p.Status {
		case verify.Missing:
			fmt.Fprintf(w, "%-14s MISSING   the registry has no %s image; rebuilt %s\n", key, key, p.Got)
		case verify.Match:
			fmt.Fprintf(w, "%-14s match     %s\n", key, p.Got)
		default:
			fmt.Fprintf(w, "%-14s MISMATCH  registry %s, rebuilt %s\n", key, p.Want, p.Got)
			for _, d := range p.Differences {
				fmt.Fprintf(w, "%-14s   %s\n", "", d)
			}
		}
	}
	for _, d := range rep.Differences {
		fmt.Fprintf(w, "%-14s MISMATCH  %s\n", "index", d)
	}
	if !rep.OK() {
		return fmt.Errorf("rebuild does not match: %d of %d platforms differ (registry %s, rebuilt %s)", rep.Differing(), len(rep.Platforms), rep.Want, rep.Got)
	}
	fmt.Fprintf(w, "%-14s match     %s\n", "all", rep.Got)
	return nil
}
