package layers

import (
	"fmt"
	"io"
	"io/fs"
	"os"
)

// File returns the entry for a regular file on disk placed at imagePath with
// the given mode, owned by root. Only the content is taken from the host:
// its mode, owner and mtime are not.
func File(hostPath, imagePath string, mode fs.FileMode) (Entry, error) {
	fi, err := os.Stat(hostPath)
	if err != nil {
		return Entry{}, err
	}
	if !fi.Mode().IsRegular() {
		return Entry{}, fmt.Errorf("%s is not a regular file", hostPath)
	}
	return Entry{
		Path: imagePath,
		Mode: mode.Perm(),
		Size: fi.Size(),
		Open: func() (io.ReadCloser, error) { return os.Open(hostPath) },
	}, nil
}
