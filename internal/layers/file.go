package layers

import (
	"crypto/sha256"
	"encoding/hex"
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

// FileSum returns the sha256 of the content of the file at path, in hex:
// the form of Entry.Digest.
func FileSum(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
