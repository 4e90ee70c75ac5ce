package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/mingo-build/mingo"
)

// printResult prints one line per image (REPOSITORY@DIGEST, or the digest
// when nothing was pushed), its debug variant's on the next line, or with
// --json one document (mingo.Summary), an array when the command line
// named several packages.
func printResult(w io.Writer, asJSON, multi bool, outs []*mingo.Summary) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if multi {
			return enc.Encode(outs)
		}
		return enc.Encode(outs[0])
	}
	for _, out := range outs {
		for o := out; o != nil; o = o.Debug {
			if _, err := fmt.Fprintln(w, resultLine(o)); err != nil {
				return err
			}
		}
	}
	return nil
}

// resultLine is an image's line: REPOSITORY@DIGEST, or the digest when
// nothing was pushed.
func resultLine(o *mingo.Summary) string {
	if o.Reference != "" {
		return o.Reference
	}
	return o.Digest
}
