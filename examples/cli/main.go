// Command cli is a small command-line tool, a wc(1) look-alike: it counts the
// lines, words and bytes of the files named on its command line, or of
// standard input. It shows the usual shape of a CLI shipped as an image:
// flags, files or standard input, an exit status, and a version stamped at
// build time:
//
//	mingo build ./examples/cli -t registry.example.com/team/cli:v1.0.0 \
//	    --ldflags "-X main.version=v1.0.0"
//
//	docker run --rm registry.example.com/team/cli:v1.0.0 -version
//	echo "hello container" | docker run --rm -i registry.example.com/team/cli:v1.0.0 -w
//
// An image has no shell, so the files to count must be mounted
// (docker run -v "$PWD:/data:ro" ... /data/README.md) or piped in.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"unicode"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3".
var version = "dev"

// counts holds what is counted for one input.
type counts struct {
	lines, words, bytes int64
}

func (c *counts) add(o counts) {
	c.lines += o.lines
	c.words += o.words
	c.bytes += o.bytes
}

// count reads r to its end.
func count(r io.Reader) (counts, error) {
	var c counts
	br := bufio.NewReaderSize(r, 64*1024)
	inWord := false
	for {
		ru, size, err := br.ReadRune()
		if errors.Is(err, io.EOF) {
			return c, nil
		}
		if err != nil {
			return c, err
		}
		c.bytes += int64(size)
		if ru == '\n' {
			c.lines++
		}
		if unicode.IsSpace(ru) {
			inWord = false
		} else if !inWord {
			inWord = true
			c.words++
		}
	}
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run is main without the process: it returns the exit status.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("cli", flag.ContinueOnError)
	fs.SetOutput(stderr)
	lines := fs.Bool("l", false, "print the line count")
	words := fs.Bool("w", false, "print the word count")
	bytes := fs.Bool("c", false, "print the byte count")
	showVersion := fs.Bool("version", false, "print the version and exit")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: cli [-l] [-w] [-c] [FILE...]\n\nCounts lines, words and bytes of each FILE, or of standard input.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *showVersion {
		fmt.Fprintf(stdout, "cli %s\n", version)
		return 0
	}
	if !*lines && !*words && !*bytes {
		*lines, *words, *bytes = true, true, true
	}
	report := func(c counts, name string) { c.print(stdout, *lines, *words, *bytes, name) }
	if fs.NArg() == 0 {
		c, err := count(stdin)
		if err != nil {
			fmt.Fprintf(stderr, "cli: standard input: %v\n", err)
			return 1
		}
		report(c, "")
		return 0
	}
	return countFiles(fs.Args(), report, stderr)
}

// countFiles reports the counts of each file and, for more than one, their
// total; it returns 1 if a file could not be read, 0 otherwise.
func countFiles(names []string, report func(counts, string), stderr io.Writer) int {
	status := 0
	var total counts
	for _, name := range names {
		f, err := os.Open(name)
		if err != nil {
			fmt.Fprintf(stderr, "cli: %v\n", err)
			status = 1
			continue
		}
		c, err := count(f)
		f.Close()
		if err != nil {
			fmt.Fprintf(stderr, "cli: %s: %v\n", name, err)
			status = 1
			continue
		}
		report(c, name)
		total.add(c)
	}
	if len(names) > 1 {
		report(total, "total")
	}
	return status
}

// print writes the counts asked for, as wc does, then name if not "".
func (c counts) print(w io.Writer, lines, words, bytes bool, name string) {
	if lines {
		fmt.Fprintf(w, "%8d", c.lines)
	}
	if words {
		fmt.Fprintf(w, "%8d", c.words)
	}
	if bytes {
		fmt.Fprintf(w, "%8d", c.bytes)
	}
	if name != "" {
		fmt.Fprintf(w, " %s", name)
	}
	fmt.Fprintln(w)
}
