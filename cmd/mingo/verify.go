package main

import (
	"errors"
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

// inputAdvice words an error in verify's arguments as mingo verify did
// before the library read them: naming the argument or flag.
func inputAdvice(_ error, err *verify.InputError) error {
	var refErr *verify.ReferenceError
	switch {
	case err.Input == verify.InputCABundle:
		return fmt.Errorf("--ca-bundle: %w", err.Err)
	case err.Input == verify.InputLDFlags:
		return fmt.Errorf("--ldflags: %w", err.Err)
	case errors.As(err.Err, &refErr):
		return fmt.Errorf("invalid IMAGE %v", err.Err)
	case errors.Is(err.Err, verify.ErrNoLayoutFile):
		return fmt.Errorf("IMAGE %v: give an --oci-layout directory", err.Err)
	}
	return fmt.Errorf("IMAGE %w", err.Err)
}

// printVerify prints one line per platform and fails on any mismatch.
func printVerify(w io.Writer, rep *verify.Report) error {
	bad := 0
	for _, p := range rep.Platforms {
		key := p.Platform.String()
		switch p.Status {
		case verify.Missing:
			bad++
			fmt.Fprintf(w, "%-14s MISSING   the registry has no %s image; rebuilt %s\n", key, key, p.Got)
		case verify.Match:
			fmt.Fprintf(w, "%-14s match     %s\n", key, p.Got)
		default:
			bad++
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
		return fmt.Errorf("rebuild does not match: %d of %d platforms differ (registry %s, rebuilt %s)", bad, len(rep.Platforms), rep.Want, rep.Got)
	}
	fmt.Fprintf(w, "%-14s match     %s\n", "all", rep.Got)
	return nil
}
