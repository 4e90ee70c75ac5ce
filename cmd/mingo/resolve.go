package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/spf13/cobra"

	"github.com/mingo-build/mingo"
	"github.com/mingo-build/mingo/resolve"
)

func newResolveCommand() *cobra.Command {
	f := &buildFlags{}
	var files []string // -f: resolve's own flags, the rest build's
	var recursive bool
	cmd := withHelp("resolve", &cobra.Command{
		Use:   "resolve -f FILE|DIR|- [-f ...] (--repo REGISTRY/NAMESPACE | --load)",
		Short: "Build the Go packages YAML documents name as mingo:// or ko:// and write the documents with image digests",
		Args:  filesByFlag,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runResolve(cmd.Context(), f, files, recursive, cmd.InOrStdin(), cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	})
	fl := cmd.Flags()
	f.register(fl)
	fl.StringArrayVarP(&files, "filename", "f", nil, "YAML `FILE`, directory, or - for standard input (repeatable)")
	fl.BoolVarP(&recursive, "recursive", "R", false, "read the directories given with -f recursively")
	for _, hidden := range []string{"json", "config"} {
		_ = fl.MarkHidden(hidden)
	}
	return cmd
}

// checkResolve refuses flags that make no sense for resolve.
func (f *buildFlags) checkResolve(files []string) error {
	switch {
	case len(files) == 0:
		return errors.New("no documents: give -f FILE, -f DIR or -f - (standard input)")
	case f.changed("json") || f.changed("config"):
		return errors.New("--json and --config do not apply to resolve: its output is the YAML documents, its input -f")
	}
	return advise(resolve.CheckOutputs(cmp.Or(f.over.Repo.V, f.over.KoRepo()), f.load || f.over.KoLoads(), f.run.Push || !f.changed("push")))
}

func runResolve(ctx context.Context, f *buildFlags, files []string, recursive bool, stdin io.Reader, stdout, stderr io.Writer) error {
	if err := f.checkResolve(files); err != nil {
		return err
	}
	sources, err := resolve.Read(files, recursive, stdin)
	if err != nil {
		return err
	}
	j, err := f.start(ctx, stderr, []string{"./..."}, "")
	if err != nil {
		return err
	}
	defer j.log.Finish()
	if d := j.run.Outputs.Engine; d != nil {
		d.Names = resolve.LocalNames
	}
	build := func(ctx context.Context, targets []mingo.Target) ([]*mingo.Image, []name.Reference, error) {
		return j.run.Publish(ctx, targets) // advised once, below
	}
	out, err := resolve.Resolve(ctx, sources, j.run.Config.Specs[0], build, j.run.Outputs.Engine != nil)
	if err != nil {
		return advise(err)
	}
	_, err = stdout.Write(out)
	return err
}

// filesByFlag refuses arguments: resolve reads its YAML from -f, which
// `mingo resolve app.yaml` names.
func filesByFlag(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	return fmt.Errorf("%s takes its YAML from -f, not arguments: give -f %s", cmd.CommandPath(), strings.Join(args, " -f "))
}
