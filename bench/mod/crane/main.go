// Command crane is go-containerregistry's crane as a main package of this
// module: a crane-sized program whose main package bench/loop.sh edits, one
// line per run, the way a developer's edit loop changes a program.
package main

import (
	"context"
	"os"
	"os/signal"

	"github.com/google/go-containerregistry/cmd/crane/cmd"
	"github.com/google/go-containerregistry/pkg/logs"
)

// edit is the line bench/loop.sh changes before each edit-loop build.
const edit = "edit 0"

func init() {
	logs.Warn.SetOutput(os.Stderr)
	logs.Progress.SetOutput(os.Stderr)
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "--edit" {
		os.Stdout.WriteString(edit + "\n")
		return
	}
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt)
	defer cancel()
	if err := cmd.Root.ExecuteContext(ctx); err != nil {
		cancel()
		os.Exit(1)
	}
}
