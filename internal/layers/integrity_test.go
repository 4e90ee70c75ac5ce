package layers

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Each kind of damage to a cache entry is reported, dropped and rebuilt:
// the next Build returns a layer with the right digest whose blob reads
// back cleanly.
func TestCacheDamageIsRebuilt(t *testing.T) {
	for _, tc := range []struct {
		name   string
		damage func(t *testing.T, c *Cache, l *Layer)
		warn   string // "" when no warning is due
	}{
		{"same-size blob damage", func(t *testing.T, c *Cache, l *Layer) {
			f, err := os.OpenFile(l.path, os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if _, err := f.WriteAt([]byte("XXXX"), l.size/2); err != nil {
				t.Fatal(err)
			}
		}, "has digest sha256:"},
		{"truncated blob", func(t *testing.T, c *Cache, l *Layer) {
			if err := os.Truncate(l.path, l.size-3); err != nil {
				t.Fatal(err)
			}
		}, fmt.Sprintf("bytes, want %d", 0)},
		{"garbage key record", func(t *testing.T, c *Cache, l *Layer) {
			keys, _ := filepath.Glob(filepath.Join(c.Dir(), "keys", "*"))
			for _, k := range keys {
				if err := os.WriteFile(k, []byte("{\x00garbage"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}, "unreadable record"},
		{"missing blob", func(t *testing.T, c *Cache, l *Layer) {
			if err := os.Remove(l.path); err != nil {
				t.Fatal(err)
			}
		}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := mustCache(t)
			var warnings []string
			c.Warn = func(format string, args ...any) { warnings = append(warnings, fmt.Sprintf(format, args...)) }
			good, err := Build(c, sampleEntries(), Options{})
			if err != nil {
				t.Fatal(err)
			}
			want, _ := digests(t, good)
			tc.damage(t, c, good)
			again, err := Build(c, sampleEntries(), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := digests(t, again); got != want {
				t.Errorf("rebuilt digest %s, want %s", got, want)
			}
			rc, err := again.Compressed()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := io.Copy(io.Discard, rc); err != nil {
				t.Errorf("reading the rebuilt blob: %v", err)
			}
			rc.Close()
			wantWarn := strings.Replace(tc.warn, "want 0", fmt.Sprintf("want %d", good.size), 1)
			switch {
			case tc.warn == "" && len(warnings) != 0:
				t.Errorf("warnings %q for a missing blob", warnings)
			case tc.warn != "" && (len(warnings) != 1 || !strings.Contains(warnings[0], wantWarn)):
				t.Errorf("warnings %q, want one containing %q", warnings, wantWarn)
			}
		})
	}
}

// A blob damaged after it was looked up fails the reader instead of
// handing out bytes that do not match the digest.
func TestCompressedRefusesDamage(t *testing.T) {
	l, err := Build(mustCache(t), sampleEntries(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(l.path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteAt([]byte{0xff, 0xfe}, 20)
	f.Close()
	rc, err := l.Compressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if _, err := io.Copy(io.Discard, rc); !errors.Is(err, ErrDamaged) {
		t.Errorf("reading a damaged blob: %v, want ErrDamaged", err)
	}
}
