package resolve

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Stdin is the name that stands for standard input in Read.
const Stdin = "-"

// Read parses every source paths name: a file, a directory (its *.yaml and
// *.yml files in lexical order; with recursive, those of its
// subdirectories too, depth first in lexical order), or Stdin, read from
// stdin.
func Read(paths []string, recursive bool, stdin io.Reader) ([]*Source, error) {
	var out []*Source
	for _, p := range paths {
		if p == Stdin {
			data, err := io.ReadAll(stdin)
			if err != nil {
				return nil, fmt.Errorf("reading standard input: %w", err)
			}
			s, err := Parse("<stdin>", data)
			if err != nil {
				return nil, err
			}
			out = append(out, s)
			continue
		}
		files, err := yamlFiles(p, recursive)
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				return nil, err
			}
			s, err := Parse(f, data)
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		}
	}
	return out, nil
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
