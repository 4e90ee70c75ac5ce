package gocache

import (
	"context"
	"crypto/sha256"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestTrimRepository(t *testing.T) {
	r := mustRegistry(newRegistry(t))
	ctx := context.Background()
	now := time.Now()
	dir := t.TempDir()
	record := func(action, body string, at time.Time) {
		t.Helper()
		path := filepath.Join(dir, action)
		os.WriteFile(path, []byte(body), 0o644)
		a, out := sha256.Sum256([]byte(action)), sha256.Sum256([]byte(body))
		if err := r.Record(ctx, a[:], Entry{Output: out[:], Size: int64(len(body)), Time: at}, path); err != nil {
			t.Fatal(err)
		}
	}
	record("old 1", "old output", now.Add(-40*24*time.Hour))
	record("old 2", "old output 2", now.Add(-31*24*time.Hour))
	record("new", "new output", now.Add(-time.Hour))

	held, removed, err := r.Trim(ctx, time.Time{})
	if err != nil || held.Entries != 3 || removed.Entries != 0 || held.Bytes != 32 {
		t.Fatalf("Trim without cutoff: held %+v, removed %+v, %v", held, removed, err)
	}
	held, removed, err = r.Trim(ctx, now.Add(-30*24*time.Hour))
	if err != nil || held.Entries != 3 || removed.Entries != 2 {
		t.Fatalf("Trim: held %+v, removed %+v, %v", held, removed, err)
	}
	held, _, err = r.Trim(ctx, time.Time{})
	if err != nil || held.Entries != 1 {
		t.Fatalf("after Trim: held %+v, %v", held, err)
	}
	c := newCache(t, Options{Registry: r})
	if got := get(t, c, "old 1"); got != "<miss>" {
		t.Errorf("trimmed entry: get = %q", got)
	}
	if got := get(t, c, "new"); got != "new output" {
		t.Errorf("kept entry: get = %q", got)
	}
}
