package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeChunks writes s in pieces of n bytes, as an archive writer does.
func writeChunks(s string, n int) func(io.Writer) error {
	return func(w io.Writer) error {
		for len(s) > 0 {
			k := min(n, len(s))
			if _, err := io.WriteString(w, s[:k]); err != nil {
				return err
			}
			s = s[k:]
		}
		return nil
	}
}

// same reports whether a and b are the same file (a rewrite is not).
func same(t *testing.T, a, b string) bool {
	t.Helper()
	fa, err := os.Stat(a)
	if err != nil {
		t.Fatal(err)
	}
	fb, err := os.Stat(b)
	if err != nil {
		t.Fatal(err)
	}
	return os.SameFile(fa, fb)
}

// An identical output is left in place and touched; any difference
// (inside, shorter, longer, another mode) replaces it with the new bytes.
func TestUpdate(t *testing.T) {
	long := strings.Repeat("0123456789abcdef", 20000) // past the 64 KiB compare buffer
	for _, tc := range []struct {
		name, old, new string
		perm           os.FileMode
		kept           bool
	}{
		{"identical", long, long, 0o644, true},
		{"differs inside", long, long[:200000] + "X" + long[200001:], 0o644, false},
		{"shorter", long, long[:1000], 0o644, false},
		{"longer", long, long + "tail", 0o644, false},
		{"empty", long, "", 0o644, false},
		{"other mode", long, long, 0o600, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			name := filepath.Join(dir, "image.tar")
			if err := os.WriteFile(name, []byte(tc.old), 0o644); err != nil {
				t.Fatal(err)
			}
			past := time.Now().Add(-time.Hour)
			if err := os.Chtimes(name, past, past); err != nil {
				t.Fatal(err)
			}
			link := filepath.Join(dir, "was")
			if err := os.Link(name, link); err != nil {
				t.Fatal(err)
			}
			if err := Update(name, tc.perm, writeChunks(tc.new, 32<<10)); err != nil {
				t.Fatal(err)
			}
			if got, _ := os.ReadFile(name); string(got) != tc.new {
				t.Fatalf("content: %d bytes, want %d", len(got), len(tc.new))
			}
			fi, _ := os.Stat(name)
			if fi.Mode().Perm() != tc.perm || !fi.ModTime().After(past) {
				t.Errorf("mode %v, time %v: want %v, now", fi.Mode(), fi.ModTime(), tc.perm)
			}
			if kept := same(t, name, link); kept != tc.kept {
				t.Errorf("file kept in place: %t, want %t", kept, tc.kept)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 2 {
				t.Errorf("left behind: %v", entries)
			}
		})
	}
}

// A write that fails leaves the old file as it was and no temporary
// file, whether it failed while the bytes still agreed or after.
func TestUpdateFails(t *testing.T) {
	boom := errors.New("boom")
	for _, at := range []string{"while comparing", "after a difference"} {
		t.Run(at, func(t *testing.T) {
			dir := t.TempDir()
			name := filepath.Join(dir, "image.tar")
			if err := os.WriteFile(name, []byte("old content"), 0o644); err != nil {
				t.Fatal(err)
			}
			err := Update(name, 0o644, func(w io.Writer) error {
				prefix := "old"
				if at == "after a difference" {
					prefix = "new"
				}
				io.WriteString(w, prefix)
				return boom
			})
			if !errors.Is(err, boom) {
				t.Fatalf("error %v, want boom", err)
			}
			if got, _ := os.ReadFile(name); string(got) != "old content" {
				t.Errorf("a failed update changed the file: %q", got)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 1 {
				t.Errorf("left behind: %v", entries)
			}
		})
	}
}

// A file another program rewrites in place while it is compared is not
// spliced into the output: the part that agreed must read back the same.
func TestUpdateOtherWriter(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "image.tar")
	if err := os.WriteFile(name, []byte("abcdef"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := Update(name, 0o644, func(w io.Writer) error {
		io.WriteString(w, "abc")
		if err := os.WriteFile(name, []byte("XYZdef"), 0o644); err != nil {
			return err
		}
		_, err := io.WriteString(w, "!!!")
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "changed while") {
		t.Fatalf("error %v, want the file changed", err)
	}
	if got, _ := os.ReadFile(name); string(got) != "XYZdef" {
		t.Errorf("file %q, want the other program's", got)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("left behind: %v", entries)
	}
}

// A symbolic link at name is replaced, as Write replaces it, not followed.
func TestUpdateSymlink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "target")
	if err := os.WriteFile(target, []byte("same"), 0o644); err != nil {
		t.Fatal(err)
	}
	name := filepath.Join(dir, "image.tar")
	if err := os.Symlink(target, name); err != nil {
		t.Fatal(err)
	}
	if err := Update(name, 0o644, writeChunks("same", 2)); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Lstat(name); !fi.Mode().IsRegular() {
		t.Errorf("%s is %v, want a regular file", name, fi.Mode())
	}
}
