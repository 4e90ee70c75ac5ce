package gocache

import (
	"context"
	"crypto/sha256"
	"errors"
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

// TrimRepo names the repository and removes what is older than its age;
// ParseMaxAge refuses an age that would remove everything or nothing.
func TestTrimRepo(t *testing.T) {
	ctx := context.Background()
	repo := newRegistry(t)
	r := mustRegistry(repo)
	a, out := sha256.Sum256([]byte("old")), sha256.Sum256([]byte("output"))
	path := filepath.Join(t.TempDir(), "output")
	os.WriteFile(path, []byte("output"), 0o644)
	if err := r.Record(ctx, a[:], Entry{Output: out[:], Size: 6, Time: time.Now().Add(-48 * time.Hour)}, path); err != nil {
		t.Fatal(err)
	}
	got, err := TrimRepo(ctx, repo, false, 0)
	if err != nil || got.Repo.String() != repo || got.Held.Entries != 1 || !got.Cutoff.IsZero() || got.Removed.Entries != 0 {
		t.Fatalf("TrimRepo without age = %+v, %v", got, err)
	}
	if got, err = TrimRepo(ctx, repo, false, 24*time.Hour); err != nil || got.Removed.Entries != 1 || got.Cutoff.IsZero() {
		t.Fatalf("TrimRepo 24h = %+v, %v", got, err)
	}
	if _, err := TrimRepo(ctx, "Not A Repo", false, 0); !errors.As(err, new(*RepoError)) {
		t.Errorf("TrimRepo of a bad name: %v, want a *RepoError", err)
	}
	for s, want := range map[string]time.Duration{"": 0, "30d": 30 * 24 * time.Hour, "720h": 720 * time.Hour} {
		if got, err := ParseMaxAge(s); err != nil || got != want {
			t.Errorf("ParseMaxAge(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	for _, s := range []string{"0", "off", "soon", "-1h"} {
		if _, err := ParseMaxAge(s); !errors.Is(err, ErrMaxAge) {
			t.Errorf("ParseMaxAge(%q) = %v, want ErrMaxAge", s, err)
		}
	}
}
