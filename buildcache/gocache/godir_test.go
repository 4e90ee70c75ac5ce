package gocache

import (
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// writeGoDirEntry writes action's entry and output as the go command does
// in its own cache directory.
func writeGoDirEntry(t *testing.T, dir, action, body string) {
	t.Helper()
	a, out := sha256.Sum256([]byte(action)), sha256.Sum256([]byte(body))
	for name, content := range map[string]string{
		fmt.Sprintf("%02x/%x-a", a[0], a):     fmt.Sprintf("v1 %x %x %20d %20d\n", a, out, len(body), time.Now().UnixNano()),
		fmt.Sprintf("%02x/%x-d", out[0], out): body,
	} {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestGoCacheGoDir: outputs the go command keeps in its own directory are
// served, once checked, from the local tier.
func TestGoCacheGoDir(t *testing.T) {
	godir := t.TempDir()
	writeGoDirEntry(t, godir, "compile a", "archive a")
	writeGoDirEntry(t, godir, "compile b", "archive b")
	// Damage b's output, same size.
	out := sha256.Sum256([]byte("archive b"))
	os.WriteFile(filepath.Join(godir, fmt.Sprintf("%02x/%x-d", out[0], out)), []byte("archive X"), 0o644)
	c := newCache(t, Options{GoDir: godir})
	if got := get(t, c, "compile a"); got != "archive a" {
		t.Errorf("get a = %q", got)
	}
	if got := get(t, c, "compile b"); got != "<miss>" {
		t.Errorf("get b (damaged) = %q, want a miss", got)
	}
	if got := get(t, c, "compile c"); got != "<miss>" {
		t.Errorf("get c = %q, want a miss", got)
	}
	os.RemoveAll(godir)
	if got := get(t, c, "compile a"); got != "archive a" {
		t.Errorf("get a from the local tier = %q", got)
	}
}
