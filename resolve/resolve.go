// Package resolve finds image references to Go packages in YAML documents
// (Kubernetes manifests, for example) and rewrites them.
//
// A reference is a string value of the form mingo://IMPORT_PATH or, for
// ko's users, ko://IMPORT_PATH. Rewriting splices the new values into the
// original bytes at the positions the YAML parser reports, so everything
// else (comments, key order, indentation, quoting, document separators)
// stays byte for byte as it was.
package resolve

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Schemes are the prefixes that mark a reference.
var Schemes = []string{"mingo://", "ko://"}

// Reference is one reference found in a source.
type Reference struct {
	// File and Line (1-based) say where it is.
	File string
	Line int
	// Value is the string as written, such as ko://example.com/app/cmd/api.
	Value string
	// ImportPath is Value without its scheme.
	ImportPath string

	start, end int  // byte range of the scalar in the source, quotes included
	quote      byte // the quote character, or 0 for a plain scalar
}

func (r Reference) String() string { return fmt.Sprintf("%s:%d: %s", r.File, r.Line, r.Value) }

// Source is one file (or standard input) of YAML documents.
type Source struct {
	// Name is the file name used in errors.
	Name string
	// Data is the file's bytes, as read.
	Data []byte
	// References are the references in Data, in order.
	References []Reference
}

// Error is a problem at a line of a source.
type Error struct {
	File string
	Line int // 0 when unknown
	Err  error
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.File, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// ErrInvalidReference is a reference that names no single import path.
var ErrInvalidReference = errors.New("invalid reference")

// ErrNotPlain is a reference written in a YAML style (block scalar,
// escapes, several lines) that cannot be rewritten in place.
var ErrNotPlain = errors.New("reference must be a plain or simply quoted scalar on one line to be rewritten")

// yamlLine finds the line in yaml.v3's error messages.
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// Parse reads every YAML document of data and finds its references. Invalid
// YAML is an *Error with the line the parser names.
func Parse(name string, data []byte) (*Source, error) {
	s := &Source{Name: name, Data: data}
	lines := lineStarts(data)
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, syntaxError(name, err)
		}
		if err := s.walk(&doc, lines, false); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// syntaxError turns a yaml.v3 error into an *Error with its line.
func syntaxError(name string, err error) error {
	msg := strings.TrimSpace(err.Error())
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &Error{File: name, Line: line, Err: fmt.Errorf("invalid YAML: %s", m[2])}
	}
	return &Error{File: name, Err: fmt.Errorf("invalid YAML: %s", strings.TrimPrefix(msg, "yaml: "))}
}

// walk collects the references among n's string values (not mapping keys,
// not through aliases: the anchor is where the text is).
func (s *Source) walk(n *yaml.Node, lines []int, isKey bool) error {
	switch n.Kind {
	case yaml.DocumentNode, yaml.SequenceNode:
		for _, c := range n.Content {
			if err := s.walk(c, lines, false); err != nil {
				return err
			}
		}
	case yaml.MappingNode:
		for i, c := range n.Content {
			if err := s.walk(c, lines, i%2 == 0); err != nil {
				return err
			}
		}
	case yaml.ScalarNode:
		if isKey || n.ShortTag() != "!!str" {
			return nil
		}
		return s.scalar(n, lines)
	}
	return nil
}

// scalar records n when it is a reference, with its byte range.
func (s *Source) scalar(n *yaml.Node, lines []int) error {
	path, ok := trimScheme(n.Value)
	if !ok {
		return nil
	}
	ref := Reference{File: s.Name, Line: n.Line, Value: n.Value, ImportPath: path}
	if path == "" || strings.Contains(path, "...") || strings.ContainsAny(path, " \t\n") || strings.HasPrefix(path, ".") {
		return &Error{File: s.Name, Line: n.Line, Err: fmt.Errorf("%w %q: want %sIMPORT_PATH of one main package, such as mingo://example.com/app/cmd/api", ErrInvalidReference, n.Value, Schemes[0])}
	}
	start, ok := offset(s.Data, lines, n.Line, n.Column)
	if !ok {
		return &Error{File: s.Name, Line: n.Line, Err: fmt.Errorf("%q: %w", n.Value, ErrNotPlain)}
	}
	var written string
	switch n.Style {
	case 0:
		written = n.Value
	case yaml.DoubleQuotedStyle:
		ref.quote, written = '"', `"`+n.Value+`"`
	case yaml.SingleQuotedStyle:
		ref.quote, written = '\'', `'`+n.Value+`'`
	default:
		return &Error{File: s.Name, Line: n.Line, Err: fmt.Errorf("%q: %w", n.Value, ErrNotPlain)}
	}
	if !bytes.HasPrefix(s.Data[start:], []byte(written)) {
		return &Error{File: s.Name, Line: n.Line, Err: fmt.Errorf("%q: %w", n.Value, ErrNotPlain)}
	}
	ref.start, ref.end = start, start+len(written)
	s.References = append(s.References, ref)
	return nil
}

// trimScheme returns v without its reference scheme, and whether it had
// one.
func trimScheme(v string) (string, bool) {
	for _, p := range Schemes {
		if rest, ok := strings.CutPrefix(v, p); ok {
			return rest, true
		}
	}
	return "", false
}

// lineStarts returns the byte offset of each line's start.
func lineStarts(data []byte) []int {
	starts := []int{0}
	for i, b := range data {
		if b == '\n' {
			starts = append(starts, i+1)
		}
	}
	return starts
}

// offset turns the parser's 1-based line and column (counted in
// characters) into a byte offset.
func offset(data []byte, lines []int, line, column int) (int, bool) {
	if line < 1 || line > len(lines) || column < 1 {
		return 0, false
	}
	off := lines[line-1]
	for c := 1; c < column; c++ {
		if off >= len(data) || data[off] == '\n' {
			return 0, false
		}
		_, size := utf8.DecodeRune(data[off:])
		off += size
	}
	return off, true
}

// Rewrite returns the source's bytes with each reference replaced by
// replace(ImportPath), in the reference's quoting; everything else is kept
// byte for byte. An empty replacement is an error.
func (s *Source) Rewrite(replace func(importPath string) string) ([]byte, error) {
	var out bytes.Buffer
	prev := 0
	for _, r := range s.References {
		v := replace(r.ImportPath)
		if v == "" {
			return nil, &Error{File: r.File, Line: r.Line, Err: fmt.Errorf("no image for %s", r.Value)}
		}
		out.Write(s.Data[prev:r.start])
		if r.quote != 0 {
			out.WriteByte(r.quote)
			out.WriteString(v)
			out.WriteByte(r.quote)
		} else {
			out.WriteString(v)
		}
		prev = r.end
	}
	out.Write(s.Data[prev:])
	return out.Bytes(), nil
}

// ImportPaths returns the distinct import paths of the sources' references,
// in order of first appearance, each with its first reference.
func ImportPaths(sources []*Source) ([]string, map[string]Reference) {
	var paths []string
	first := map[string]Reference{}
	for _, s := range sources {
		for _, r := range s.References {
			if _, seen := first[r.ImportPath]; !seen {
				first[r.ImportPath] = r
				paths = append(paths, r.ImportPath)
			}
		}
	}
	return paths, first
}
