package resolve

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Stdin is the name that stands for standard input in Read.
const Stdin = "-"

// MaxFileSize is the most Read takes of one file (or of stdin), and
// MaxTotalSize of all of them: Kubernetes manifests run to kilobytes, and
// a bound keeps a huge or hostile input from taking gigabytes of memory
// and minutes before the first error.
const (
	MaxFileSize  = 4 << 20
	MaxTotalSize = 16 << 20
)

// ErrTooLarge is wrapped by the error for an input beyond MaxFileSize, or
// inputs beyond MaxTotalSize together.
var ErrTooLarge = errors.New("too large")

// Read parses every source paths name: a file, a directory (its *.yaml and
// *.yml files in lexical order; with recursive, those of its
// subdirectories too, depth first in lexical order), or Stdin, read from
// stdin. It refuses, before parsing anything, a file larger than
// MaxFileSize or files larger than MaxTotalSize together.
func Read(paths []string, recursive bool, stdin io.Reader) ([]*Source, error) {
	type input struct {
		name string
		data []byte
	}
	var inputs []input
	var total int64
	for _, p := range paths {
		if p == Stdin {
			data, err := readLimited("<stdin>", stdin, &total)
			if err != nil {
				return nil, err
			}
			inputs = append(inputs, input{"<stdin>", data})
			continue
		}
		files, err := yamlFiles(p, recursive)
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			data, err := readFile(f, &total)
			if err != nil {
				return nil, err
			}
			inputs = append(inputs, input{f, data})
		}
	}
	out := make([]*Source, len(inputs))
	for i, in := range inputs {
		s, err := Parse(in.name, in.data)
		if err != nil {
			return nil, err
		}
		out[i] = s
	}
	return out, nil
}

// readFile reads the file at path within the bounds (see readLimited).
func readFile(path string, total *int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readLimited(path, f, total)
}

// readLimited reads r, named name, refusing it past MaxFileSize or when it
// takes what all inputs read so far (total, which it adds to) past
// MaxTotalSize.
func readLimited(name string, r io.Reader, total *int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("%s: %w: more than %d MiB, the most resolve reads of one file", name, ErrTooLarge, MaxFileSize>>20)
	}
	if *total += int64(len(data)); *total > MaxTotalSize {
		return nil, fmt.Errorf("%s: %w: the inputs reach more than %d MiB together, the most resolve reads", name, ErrTooLarge, MaxTotalSize>>20)
	}
	return data, nil
}

// yamlFiles lists the YAML files path names.
func yamlFiles(path string, recursive bool) ([]string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return []string{path}, nil
	}
	var files []string
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != path && !recursive {
				return filepath.SkipDir
			}
			return nil
		}
		if ext := strings.ToLower(filepath.Ext(p)); ext == ".yaml" || ext == ".yml" {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%s: no *.yaml or *.yml files", path)
	}
	return files, nil
}

// Join concatenates rewritten sources into one stream of YAML documents:
// a "---" line between sources (unless the next starts with one), after a
// newline where a source lacks its last.
func Join(sources [][]byte) []byte {
	var out bytes.Buffer
	for i, s := range sources {
		if i > 0 {
			if out.Len() > 0 && !bytes.HasSuffix(out.Bytes(), []byte("\n")) {
				out.WriteByte('\n')
			}
			if !bytes.HasPrefix(s, []byte("---")) {
				out.WriteString("---\n")
			}
		}
		out.Write(s)
	}
	return out.Bytes()
}
