package main

import (
	"embed"
	"strings"
)

// helpFiles hold the commands' long help and examples, as text a reader
// edits without Go quoting: help/COMMAND.long.txt, help/COMMAND.examples.txt.
//
//go:embed help/*.txt
var helpFiles embed.FS

// helpText is help/NAME.txt without its final newline.
func helpText(name string) string {
	b, err := helpFiles.ReadFile("help/" + name + ".txt")
	if err != nil {
		panic(err) // a file named in the code is embedded with it
	}
	return strings.TrimSuffix(string(b), "\n")
}
