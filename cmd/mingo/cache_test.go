package main

import (
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"
)

// A build fills the cache and records its daily trim; size reports it,
// trim removes what is old, clean empties it, and a build after works.
func TestCacheCommands(t *testing.T) {
	cache := filepath.Join(t.TempDir(), "cache")
	t.Setenv("MINGO_CACHE", cache)
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	build := func() {
		t.Helper()
		if _, stderr, err := runIn(t, testModule, "build", "./cmd/hello", "--push=false", "--platform", "linux/amd64", "-q"); err != nil {
			t.Fatalf("build: %v\n%s", err, stderr)
		}
	}
	build()
	if _, err := os.Stat(filepath.Join(cache, "trim.txt")); err != nil {
		t.Errorf("the build recorded no trim: %v", err)
	}
	size := regexp.MustCompile(`^` + regexp.QuoteMeta(cache) + `\t[0-9.]+ (KiB|MiB) in (\d+) files\n$`)
	out, _, err := runIn(t, testModule, "cache", "size")
	if err != nil || !size.MatchString(out) {
		t.Fatalf("cache size = %q, %v", out, err)
	}
	if out, _, err = runIn(t, testModule, "cache", "trim"); err != nil || !strings.HasPrefix(out, "removed 0 B in 0 files") {
		t.Errorf("trim of a fresh cache: %q, %v", out, err)
	}
	endLeases(t, cache)
	old := time.Now().Add(-48 * time.Hour)
	filepath.WalkDir(filepath.Join(cache, "blobs"), func(p string, _ os.DirEntry, _ error) error { return os.Chtimes(p, old, old) })
	if out, _, err = runIn(t, testModule, "cache", "trim", "--max-age", "1d"); err != nil || strings.HasPrefix(out, "removed 0 B") {
		t.Errorf("trim --max-age 1d of two-day-old layers: %q, %v", out, err)
	}
	for _, bad := range []string{"soon", "off", "-1h"} {
		if _, _, err := runIn(t, testModule, "cache", "trim", "--max-age", bad); err == nil || !strings.Contains(err.Error(), "--max-age") {
			t.Errorf("trim --max-age %s: %v", bad, err)
		}
	}
	if out, _, err = runIn(t, testModule, "cache", "trim", "--max-age", "0s"); err != nil || strings.HasPrefix(out, "removed 0 B") {
		t.Errorf("trim --max-age 0s after a build: %q, %v", out, err)
	}
	if keys, _ := filepath.Glob(filepath.Join(cache, "keys", "*")); len(keys) != 0 {
		t.Errorf("trim --max-age 0s left keys no run uses: %v", keys)
	}
	if out, _, err = runIn(t, testModule, "cache", "clean"); err != nil || !strings.HasPrefix(out, "removed ") {
		t.Errorf("clean: %q, %v", out, err)
	}
	if out, _, _ = runIn(t, testModule, "cache", "du"); !strings.Contains(out, "0 B in 1 files") {
		t.Errorf("cache du after clean = %q, want only the lock file", out)
	}
	build()
	t.Setenv("MINGO_CACHE_MAX_AGE", "soon")
	if _, _, err := runIn(t, testModule, "build", "./cmd/hello", "--push=false", "--platform", "linux/amd64", "-q"); err == nil || !strings.Contains(err.Error(), "MINGO_CACHE_MAX_AGE") {
		t.Errorf("a bad MINGO_CACHE_MAX_AGE: %v", err)
	}
}

// endLeases waits for the leases of the builds run in this process to end:
// when their caches are garbage (in a mingo process: when it exits).
func endLeases(t *testing.T, cache string) {
	t.Helper()
	for range 100 {
		runtime.GC()
		runIn(t, testModule, "cache", "trim", "--max-age", "1000d") // removes ended leases
		if l, _ := filepath.Glob(filepath.Join(cache, "leases", "*")); len(l) == 0 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("the leases of ended builds stay")
}
