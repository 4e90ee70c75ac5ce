package layers

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/mingo-build/mingo/internal/gotool"
)

// ZoneinfoDir is where the tzdata layer puts the zones: where Go's
// time.LoadLocation (and glibc) look on Linux.
const ZoneinfoDir = "/usr/share/zoneinfo"

// ZoneinfoZip returns the path of Go's own time-zone database,
// $(go env GOROOT)/lib/time/zoneinfo.zip: the images are built with that Go,
// so the Go version pins the tzdata just as it pins the binary.
func ZoneinfoZip(ctx context.Context) (string, error) {
	goroot, err := gotool.Var(ctx, "", "GOROOT")
	if err != nil {
		return "", fmt.Errorf("finding Go's zoneinfo.zip (go env GOROOT): %w", err)
	}
	return ZoneinfoIn(goroot)
}

// ZoneinfoIn returns the path of the time-zone database of the Go
// installation at goroot, for a caller that asked the go command already.
func ZoneinfoIn(goroot string) (string, error) {
	if goroot == "" {
		return "", errors.New("finding Go's zoneinfo.zip: go env GOROOT printed nothing")
	}
	p := filepath.Join(goroot, "lib", "time", "zoneinfo.zip")
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("the Go installation at %s has no time-zone database: %w", goroot, err)
	}
	return p, nil
}

// TZDataEntries returns every zone in zipPath as a file under ZoneinfoDir.
// The zones are read into memory (about 450 KB): simpler than reopening the
// zip for every file, and the layer cache makes it a one-off. Names that are
// absolute or climb out with ".." are refused, so a crafted zip cannot
// place files outside ZoneinfoDir.
func TZDataEntries(zipPath string) ([]Entry, error) {
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", zipPath, err)
	}
	defer zr.Close()
	var entries []Entry
	for _, f := range zr.File {
		if f.FileInfo().IsDir() {
			continue
		}
		name := f.Name
		if path.IsAbs(name) || path.Clean(name) != name || name == ".." || strings.HasPrefix(name, "../") || strings.Contains(name, `\`) {
			return nil, fmt.Errorf("%s: refusing entry %q: names must be relative, clean and free of \"..\"", zipPath, name)
		}
		rc, err := f.Open()
		if err != nil {
			return nil, err
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %s: %w", zipPath, name, err)
		}
		entries = append(entries, bytesEntry(ZoneinfoDir+"/"+name, 0o644, data))
	}
	if len(entries) == 0 {
		return nil, fmt.Errorf("%s holds no files", zipPath)
	}
	return entries, nil
}
