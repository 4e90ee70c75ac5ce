package gocache

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/mingo-build/mingo/internal/atomicfile"
)

// Disk is the local tier: outputs under o/XX/OUTPUTID and action entries
// under a/XX/ACTIONID (XX the first two hex digits), in a directory such as
// $MINGO_CACHE/gocache. An output is written to a temporary file and
// renamed into place only when its bytes hash to its ID, so every file
// under o/ holds the bytes its name says; concurrent writers of the same
// output or action each rename a complete file.
type Disk struct {
	dir string
}

// OpenDisk returns the local tier in dir, creating it if needed.
func OpenDisk(dir string) (*Disk, error) {
	for _, sub := range []string{"a", "o"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return nil, fmt.Errorf("creating the local go cache: %w", err)
		}
	}
	return &Disk{dir: dir}, nil
}

// Dir is the directory of the local tier.
func (d *Disk) Dir() string { return d.dir }

// actionEntry is an action's record: its output, that output's size and
// when it was put.
type actionEntry struct {
	Output string    `json:"output"`
	Size   int64     `json:"size"`
	Time   time.Time `json:"time"`
}

func (d *Disk) path(kind string, id []byte) string {
	h := hex.EncodeToString(id)
	if len(h) < 2 {
		h = "00" + h
	}
	return filepath.Join(d.dir, kind, h[:2], h)
}

// Get returns the output recorded for action, or nil when there is none
// or its file is gone or of another size.
func (d *Disk) Get(action []byte) *Output {
	b, err := os.ReadFile(d.path("a", action))
	if err != nil {
		return nil
	}
	var e actionEntry
	if json.Unmarshal(b, &e) != nil {
		return nil
	}
	out, err := hex.DecodeString(e.Output)
	if err != nil || len(out) != sha256.Size {
		return nil
	}
	path, ok := d.Output(out, e.Size)
	if !ok {
		return nil
	}
	// Marks both used, for a trim by age.
	now := time.Now()
	os.Chtimes(d.path("a", action), now, now)
	os.Chtimes(path, now, now)
	return &Output{ID: out, Size: e.Size, Time: e.Time, DiskPath: path}
}

// Output returns the path of output's file when the local tier holds it,
// size bytes long.
func (d *Disk) Output(output []byte, size int64) (string, bool) {
	p := d.path("o", output)
	fi, err := os.Stat(p)
	return p, err == nil && fi.Mode().IsRegular() && fi.Size() == size
}

// ErrMismatch is an output whose bytes do not hash to its ID or are not
// of its size.
var ErrMismatch = errors.New("output does not match its ID")

// WriteOutput stores the output read from body, size bytes whose SHA-256
// is output, and returns its path. Bytes that do not match are not kept:
// the error wraps ErrMismatch.
func (d *Disk) WriteOutput(output []byte, size int64, body io.Reader) (string, error) {
	if p, ok := d.Output(output, size); ok {
		return p, nil
	}
	p := d.path("o", output)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return "", err
	}
	err := atomicfile.Write(p, 0o644, func(w io.Writer) error {
		h := sha256.New()
		n, err := io.Copy(io.MultiWriter(w, h), io.LimitReader(body, size+1))
		if err != nil {
			return err
		}
		if got := h.Sum(nil); n != size || string(got) != string(output) {
			return fmt.Errorf("%w: %d bytes with sha256 %x, want %d bytes with %x", ErrMismatch, n, got, size, output)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	return p, nil
}

// WriteAction records that action's output is output, of size bytes, put
// at t.
func (d *Disk) WriteAction(action, output []byte, size int64, t time.Time) error {
	b, err := json.Marshal(actionEntry{Output: hex.EncodeToString(output), Size: size, Time: t.UTC()})
	if err != nil {
		return err
	}
	p := d.path("a", action)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return atomicfile.WriteFile(p, b, 0o644)
}
