package layers

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
)

// KoDataDir is the directory next to a main package whose files ko
// copies into the image.
const KoDataDir = "kodata"

// KoDataPath is where the kodata files go in the image, and the value of
// KO_DATA_PATH.
const KoDataPath = "/var/run/ko"

// ErrEscapes is wrapped by the error for a kodata symlink that leads
// outside the source tree.
var ErrEscapes = errors.New("leads outside the source tree")

// KoDataEntries returns the entries that put dir, a kodata directory, at
// KoDataPath. Unlike AddEntries it follows symlinks, as ko does: a link
// becomes a copy of what it points to, provided that lies inside root
// (the source tree: the module's directory); a link leading elsewhere,
// or a loop of links, is an error naming the link. Owners, modes and
// times are those of AddEntries.
func KoDataEntries(dir, root string) ([]Entry, error) {
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return nil, fmt.Errorf("kodata: %w", err)
	}
	k := kodata{dir: dir, root: realRoot, open: map[string]bool{}}
	var entries []Entry
	if err := k.walk(dir, KoDataPath, &entries); err != nil {
		return nil, fmt.Errorf("kodata: %w", err)
	}
	return entries, nil
}

// kodata walks a kodata directory; open holds the real paths of the
// directories being walked, to catch loops.
type kodata struct {
	dir, root string
	open      map[string]bool
}

// walk adds the entries for host directory src at image path dst.
func (k *kodata) walk(src, dst string, out *[]Entry) error {
	real, err := filepath.EvalSymlinks(src)
	if err != nil {
		return err
	}
	if k.open[real] {
		return fmt.Errorf("symlink loop at %s", src)
	}
	k.open[real] = true
	defer delete(k.open, real)
	*out = append(*out, Entry{Path: dst, Mode: fs.ModeDir | 0o755})
	des, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	for _, de := range des {
		p, target := filepath.Join(src, de.Name()), path.Join(dst, de.Name())
		if err := k.add(p, target, de, out); err != nil {
			return err
		}
	}
	return nil
}

// add adds the entries of host path p, following it if it is a symlink.
func (k *kodata) add(p, target string, de fs.DirEntry, out *[]Entry) error {
	if de.Type()&fs.ModeSymlink != 0 {
		real, err := filepath.EvalSymlinks(p)
		if err != nil {
			return fmt.Errorf("symlink %s: %w", p, err)
		}
		if !within(k.root, real) {
			link, _ := os.Readlink(p)
			return fmt.Errorf("symlink %s -> %s %w %s", p, link, ErrEscapes, k.root)
		}
	}
	fi, err := os.Stat(p) // follows a symlink
	if err != nil {
		return err
	}
	switch mode := fi.Mode(); {
	case mode.IsDir():
		return k.walk(p, target, out)
	case mode.IsRegular():
		perm := fs.FileMode(0o644)
		if mode&0o111 != 0 {
			perm = 0o755
		}
		*out = append(*out, Entry{Path: target, Mode: perm, Size: fi.Size(), Open: func() (io.ReadCloser, error) { return os.Open(p) }})
		return nil
	default:
		return fmt.Errorf("%s is a special file (%s): only regular files, directories and symlinks to them can be kodata", p, mode.Type())
	}
}
