package layers

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestKoDataEntries(t *testing.T) {
	root := t.TempDir()
	kd := filepath.Join(root, "cmd", "app", KoDataDir)
	os.MkdirAll(filepath.Join(kd, "sub"), 0o755)
	os.WriteFile(filepath.Join(kd, "hello.txt"), []byte("hello\n"), 0o600)
	os.WriteFile(filepath.Join(kd, "sub", "run.sh"), []byte("#!/bin/sh\n"), 0o700)
	os.WriteFile(filepath.Join(root, "LICENSE"), []byte("license\n"), 0o644)
	os.Symlink("hello.txt", filepath.Join(kd, "link.txt"))
	os.Symlink("../../../LICENSE", filepath.Join(kd, "LICENSE"))
	os.Symlink("sub", filepath.Join(kd, "subdir"))
	entries, err := KoDataEntries(kd, root)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, e := range entries {
		got[e.Path] = e.Mode.String()
	}
	want := map[string]string{
		"/var/run/ko": "drwxr-xr-x", "/var/run/ko/hello.txt": "-rw-r--r--", "/var/run/ko/link.txt": "-rw-r--r--",
		"/var/run/ko/LICENSE": "-rw-r--r--", "/var/run/ko/sub": "drwxr-xr-x", "/var/run/ko/sub/run.sh": "-rwxr-xr-x",
		"/var/run/ko/subdir": "drwxr-xr-x", "/var/run/ko/subdir/run.sh": "-rwxr-xr-x",
	}
	if len(got) != len(want) {
		t.Errorf("entries %v, want %v", got, want)
	}
	for p, m := range want {
		if got[p] != m {
			t.Errorf("%s: mode %q, want %q (symlinks followed)", p, got[p], m)
		}
	}
	for _, e := range entries {
		if e.UID != 0 || e.GID != 0 || e.Linkname != "" {
			t.Errorf("%s: owner %d:%d link %q", e.Path, e.UID, e.GID, e.Linkname)
		}
	}
}

func TestKoDataEntriesRefuseEscapes(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "secret")
	os.WriteFile(outside, []byte("x"), 0o644)
	root := t.TempDir()
	kd := filepath.Join(root, KoDataDir)
	os.MkdirAll(kd, 0o755)
	os.Symlink(outside, filepath.Join(kd, "escape"))
	_, err := KoDataEntries(kd, root)
	if !errors.Is(err, ErrEscapes) || !strings.Contains(err.Error(), "escape -> "+outside) || strings.Contains(err.Error(), "\n") {
		t.Errorf("escaping symlink: %v, want one line naming it", err)
	}

	os.Remove(filepath.Join(kd, "escape"))
	os.Symlink(".", filepath.Join(kd, "loop"))
	if _, err := KoDataEntries(kd, root); err == nil || !strings.Contains(err.Error(), "loop") {
		t.Errorf("symlink loop: %v", err)
	}
}
