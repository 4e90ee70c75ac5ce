package layers

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// ParseAdd splits an --add value, LOCAL:IMAGEPATH, at its last colon.
func ParseAdd(spec string) (local, imagePath string, err error) {
	i := strings.LastIndex(spec, ":")
	if i <= 0 || i == len(spec)-1 {
		return "", "", fmt.Errorf("invalid --add %q: want LOCAL:IMAGEPATH, for example ./static:/srv/static", spec)
	}
	local, imagePath = spec[:i], spec[i+1:]
	if !path.IsAbs(imagePath) || path.Clean(imagePath) != imagePath || imagePath == "/" {
		return "", "", fmt.Errorf("invalid --add %q: the image path %q must be a clean absolute path other than /", spec, imagePath)
	}
	return local, imagePath, nil
}

// AddEntries copies local, a file or a directory tree, to imagePath. Only
// content crosses over from the host: everything is owned by root,
// directories are 0755, files 0755 when the host has any execute bit and
// 0644 otherwise, so any run-as user can read them. Symlinks are kept only
// when they are relative and stay inside local; devices, sockets and fifos
// are refused.
func AddEntries(local, imagePath string) ([]Entry, error) {
	root, err := filepath.Abs(local)
	if err != nil {
		return nil, err
	}
	fi, err := os.Lstat(root)
	if err != nil {
		return nil, fmt.Errorf("--add %s: %w", local, err)
	}
	if !fi.IsDir() {
		e, err := addEntry(root, root, imagePath, fi)
		if err != nil {
			return nil, err
		}
		return []Entry{e}, nil
	}
	var entries []Entry
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		target := path.Join(imagePath, filepath.ToSlash(rel))
		info, err := d.Info()
		if err != nil {
			return err
		}
		e, err := addEntry(root, p, target, info)
		if err != nil {
			return err
		}
		entries = append(entries, e)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("--add %s: %w", local, err)
	}
	return entries, nil
}

func addEntry(root, p, target string, fi fs.FileInfo) (Entry, error) {
	switch mode := fi.Mode(); {
	case mode.IsDir():
		return Entry{Path: target, Mode: fs.ModeDir | 0o755}, nil
	case mode&fs.ModeSymlink != 0:
		link, err := os.Readlink(p)
		if err != nil {
			return Entry{}, err
		}
		if !symlinkInside(root, p, link) {
			return Entry{}, fmt.Errorf("symlink %s -> %s leaves %s: symlinks that escape the added directory are refused; copy the file instead", p, link, root)
		}
		return Entry{Path: target, Mode: fs.ModeSymlink | 0o777, Linkname: link}, nil
	case mode.IsRegular():
		perm := fs.FileMode(0o644)
		if mode&0o111 != 0 {
			perm = 0o755
		}
		return Entry{Path: target, Mode: perm, Size: fi.Size(), Open: func() (io.ReadCloser, error) { return os.Open(p) }}, nil
	default:
		return Entry{}, fmt.Errorf("%s is a %v, not a file, directory or symlink", p, mode.Type())
	}
}

// symlinkInside reports whether link, found at p, is relative and resolves
// to somewhere under root.
func symlinkInside(root, p, link string) bool {
	if filepath.IsAbs(link) {
		return false
	}
	resolved := filepath.Join(filepath.Dir(p), link)
	rel, err := filepath.Rel(root, resolved)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}
