// Package atomicfile writes files that appear complete or not at all: the
// content goes to a temporary file in the same directory, which is renamed
// into place only once fully written and closed.
package atomicfile

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
)

// Write creates name with mode perm from what write writes. On any error
// name is untouched and the temporary file is removed.
func Write(name string, perm os.FileMode, write func(io.Writer) error) error {
	tmp, err := create(name)
	if err != nil {
		return err
	}
	return commit(tmp, name, perm, write(tmp))
}

// create opens a new temporary file next to name, first removing those a
// killed run left behind.
func create(name string) (*os.File, error) {
	RemoveStale(filepath.Dir(name), "."+filepath.Base(name)+".tmp-*")
	return os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".tmp-*")
}

// commit closes tmp and, if err is nil, gives it mode perm and renames it
// to name; otherwise, or if that fails, it removes tmp.
func commit(tmp *os.File, name string, perm os.FileMode, err error) error {
	defer os.Remove(tmp.Name()) // no-op once renamed
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), perm)
	}
	if err != nil {
		return err
	}
	return os.Rename(tmp.Name(), name)
}

// WriteFile is Write for content held in memory.
func WriteFile(name string, data []byte, perm os.FileMode) error {
	return Write(name, perm, func(w io.Writer) error {
		_, err := io.Copy(w, bytes.NewReader(data))
		return err
	})
}
