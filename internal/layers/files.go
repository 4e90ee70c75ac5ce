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

// ParseAdd splits an --add value, LOCAL:IMAGEPATH, at its last colon (so
// LOCAL may hold colons, IMAGEPATH may not). Both sides must be non-empty,
// and IMAGEPATH must be a clean absolute path other than "/".
func ParseAdd(spec string) (local, imagePath string, err error) {
	i := strings.LastIndex(spec, ":")
	if i <= 0 || i == len(spec)-1 {
		return "", "", fmt.Errorf("invalid add %q: want LOCAL:IMAGEPATH, for example ./static:/srv/static", spec)
	}
	local, imagePath = spec[:i], spec[i+1:]
	if !validImagePath(imagePath) {
		return "", "", fmt.Errorf("invalid add %q: IMAGEPATH %q must be a clean absolute path other than /, as in LOCAL:/srv/static", spec, imagePath)
	}
	return local, imagePath, nil
}

func validImagePath(p string) bool {
	return path.IsAbs(p) && path.Clean(p) == p && p != "/"
}

// AddEntries returns the entries that put local, a file or a directory tree
// on the host, at imagePath in the image. local itself may be a symlink; it
// is followed.
//
// Only content and shape cross over from the host: everything is owned by
// 0:0, directories are 0755, and files are 0755 when the host file has any
// execute bit and 0644 otherwise, so that any run-as user can read them
// (setuid bits, host owners and mtimes are not copied). A symlink inside
// the tree is kept as a symlink only when its target is relative and,
// resolved from the link's directory, stays inside local; absolute or
// escaping symlinks, devices, sockets and fifos are errors. File content is
// read lazily by each entry's Open, and Size is the size found now.
func AddEntries(local, imagePath string) ([]Entry, error) {
	if !validImagePath(imagePath) {
		return nil, fmt.Errorf("add %s:%s: the image path must be a clean absolute path other than /", local, imagePath)
	}
	abs, err := filepath.Abs(local)
	if err != nil {
		return nil, fmt.Errorf("add %s: %w", local, err)
	}
	root, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil, fmt.Errorf("add %s: %w", local, err)
	}
	a := adder{local: local, root: root}
	fi, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("add %s: %w", local, err)
	}
	if !fi.IsDir() {
		e, err := a.entry(root, imagePath, fi)
		if err != nil {
			return nil, fmt.Errorf("add %s: %w", local, err)
		}
		return []Entry{e}, nil
	}
	var entries []Entry
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		e, err := a.entry(p, path.Join(imagePath, filepath.ToSlash(rel)), info)
		if err != nil {
			return err
		}
		entries = append(entries, e)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("add %s: %w", local, err)
	}
	return entries, nil
}

// adder turns host files under root (local, with symlinks resolved) into
// entries.
type adder struct {
	local, root string
}

// show names host path p as the user wrote it: under local, not root.
func (a adder) show(p string) string {
	rel, err := filepath.Rel(a.root, p)
	if err != nil || rel == "." {
		return a.local
	}
	return filepath.Join(a.local, rel)
}

func (a adder) entry(p, target string, fi fs.FileInfo) (Entry, error) {
	switch mode := fi.Mode(); {
	case mode.IsDir():
		return Entry{Path: target, Mode: fs.ModeDir | 0o755}, nil
	case mode&fs.ModeSymlink != 0:
		link, err := a.checkSymlink(p)
		if err != nil {
			return Entry{}, err
		}
		return Entry{Path: target, Mode: fs.ModeSymlink | 0o777, Linkname: link}, nil
	case mode.IsRegular():
		perm := fs.FileMode(0o644)
		if mode&0o111 != 0 {
			perm = 0o755
		}
		return Entry{Path: target, Mode: perm, Size: fi.Size(), Open: func() (io.ReadCloser, error) { return os.Open(p) }}, nil
	default:
		return Entry{}, fmt.Errorf("%s is a special file (%s): only regular files, directories and symlinks can be added", a.show(p), mode.Type())
	}
}

// checkSymlink returns the target of the symlink at p if it stays inside
// root: it must be relative, lie inside root once joined to the link's
// directory, and, when it resolves on the host (following any other
// symlinks on the way, as a reader in the image would), end inside root
// too. A dangling link passes on the first two checks alone.
func (a adder) checkSymlink(p string) (string, error) {
	link, err := os.Readlink(p)
	if err != nil {
		return "", err
	}
	refuse := func(why string) error {
		return fmt.Errorf("symlink %s -> %s %s: symlinks that escape %s are refused; copy the file into %s instead", a.show(p), link, why, a.local, a.local)
	}
	if filepath.IsAbs(link) {
		return "", refuse("is absolute")
	}
	if !within(a.root, filepath.Join(filepath.Dir(p), link)) {
		return "", refuse("points outside " + a.local)
	}
	if real, err := filepath.EvalSymlinks(p); err == nil && !within(a.root, real) {
		return "", refuse("resolves, through another symlink, outside " + a.local)
	}
	return link, nil
}

// within reports whether p is root or under it; both are absolute and clean.
func within(root, p string) bool {
	rel, err := filepath.Rel(root, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}
