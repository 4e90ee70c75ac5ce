package layers

import (
	"archive/zip"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
)

// ZoneinfoZip returns the path of Go's own time-zone database,
// $(go env GOROOT)/lib/time/zoneinfo.zip: the images are built with that Go,
// so the Go version pins the tzdata just as it pins the binary.
func ZoneinfoZip(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOROOT").Output()
	if err != nil {
		return "", fmt.Errorf("finding Go's zoneinfo.zip (go env GOROOT): %w", err)
	}
	p := filepath.Join(strings.TrimSpace(string(out)), "lib", "time", "zoneinfo.zip")
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("Go's time-zone database is missing (%v): reinstall Go, or pass --tzdata=false", err)
	}
	return p, nil
}

// TZDataEntries returns every zone in zipPath as a file under
// /usr/share/zoneinfo, where Go's time.LoadLocation looks on Linux.
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
		if path.IsAbs(name) || path.Clean(name) != name || strings.HasPrefix(name, "..") {
			return nil, fmt.Errorf("%s: unsafe name %q", zipPath, name)
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
		entries = append(entries, bytesEntry("/usr/share/zoneinfo/"+name, 0o644, data))
	}
	return entries, nil
}
