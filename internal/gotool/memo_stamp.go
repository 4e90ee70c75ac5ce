package gotool

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mingo-build/mingo/internal/stamp"
)

// stampDir records directory path as it is now. A stamp not settled at
// start (the go command began then) is kept as the zero Stamp, which
// never matches: its entries or header are compared instead.
func stampDir(path string, start time.Time) (dirStamp, bool) {
	st, ok := stamp.Path(path)
	if !ok {
		return dirStamp{}, false
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return dirStamp{}, false
	}
	d := dirStamp{Path: path, Entries: entriesSum(entries)}
	if st.Settled(start) {
		d.Stamp = st
	}
	for _, e := range entries {
		if !e.Type().IsRegular() || !strings.HasSuffix(e.Name(), ".go") {
			continue
		}
		f := filepath.Join(path, e.Name())
		fst, ok := stamp.Path(f)
		if !ok {
			return dirStamp{}, false
		}
		if !fst.Settled(start) {
			fst = stamp.Stamp{}
		}
		d.Go = append(d.Go, fileStamp{Path: f, Stamp: fst, Sum: headerSum(f)})
	}
	return d, true
}

// entriesSum is the digest of a directory's entry names and kinds: what a
// pattern or a package's file list can change with.
func entriesSum(entries []fs.DirEntry) string {
	h := sha256.New()
	for _, e := range entries {
		h.Write([]byte(e.Name()))
		h.Write([]byte{0, byte(e.Type() >> 24), byte(e.Type() >> 16)})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// holds reports whether the directory is still as recorded: same entries
// and, for each Go file, the same stamp or else the same header.
func (d *dirStamp) holds() bool {
	st, ok := stamp.Path(d.Path)
	if !ok {
		return false
	}
	if st != d.Stamp || d.Stamp == (stamp.Stamp{}) {
		entries, err := os.ReadDir(d.Path)
		if err != nil || entriesSum(entries) != d.Entries {
			return false
		}
	}
	for _, f := range d.Go {
		if !f.holds(headerSum) {
			return false
		}
	}
	return true
}

// holds reports whether file f has its recorded stamp or, if not, what
// sum computes from it now is its recorded Sum.
func (f *fileStamp) holds(sum func(string) string) bool {
	if st, ok := stamp.Path(f.Path); ok && st == f.Stamp && f.Stamp != (stamp.Stamp{}) {
		return true
	}
	return sum(f.Path) == f.Sum
}

// headerSum is the digest of what the go command reads of a Go file to
// list it: everything up to the end of its imports (build constraints,
// package clause, cgo preamble, imports) and every go:embed line. A file
// that does not parse is digested whole, so any change to it counts.
func headerSum(path string) string {
	src, err := os.ReadFile(path)
	if err != nil {
		return "unreadable"
	}
	head := src
	f, err := parser.ParseFile(token.NewFileSet(), path, src, parser.ImportsOnly|parser.ParseComments)
	if err == nil {
		end := f.Name.End()
		if len(f.Imports) > 0 {
			end = f.Imports[len(f.Imports)-1].End()
		}
		for _, d := range f.Decls {
			end = max(end, d.End()) // ImportsOnly: the import declarations
		}
		off := f.FileStart
		head = src[:int(end-off)]
		for _, line := range bytes.Split(src[int(end-off):], []byte("\n")) {
			if bytes.Contains(line, []byte("go:embed")) {
				head = append(append(head[:len(head):len(head)], '\n'), line...)
			}
		}
	}
	s := sha256.Sum256(head)
	return hex.EncodeToString(s[:])
}
