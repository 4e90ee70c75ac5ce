package layers

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

func TestImportChecksAndExtracts(t *testing.T) {
	src, err := OpenCache(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	content := []byte("#!/bin/true\nnot really a binary\n")
	entry := Entry{Path: "/usr/local/bin/app", Mode: 0o755, Size: int64(len(content)), Open: func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(content)), nil
	}}
	l, err := Build(src, []Entry{entry}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	blob, err := os.ReadFile(l.path)
	if err != nil {
		t.Fatal(err)
	}
	dst, err := OpenCache(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if dst.Lookup("k1", Gzip) != nil {
		t.Fatal("Lookup found a layer in an empty cache")
	}
	damaged := bytes.Clone(blob)
	damaged[len(damaged)/2] ^= 0xff
	wrongDiffID := v1.Hash{Algorithm: "sha256", Hex: l.digest.Hex}
	for name, in := range map[string]struct {
		blob   []byte
		diffID v1.Hash
	}{"damaged blob": {damaged, l.diffID}, "wrong diff ID": {blob, wrongDiffID}} {
		if _, err := dst.Import("k1", Gzip, bytes.NewReader(in.blob), int64(len(in.blob)), l.digest, in.diffID); !errors.Is(err, ErrDigestMismatch) {
			t.Errorf("%s: Import: %v, want ErrDigestMismatch", name, err)
		}
		if dst.Lookup("k1", Gzip) != nil {
			t.Errorf("%s: a mismatching layer was recorded", name)
		}
	}
	// A source that checks digests itself fails the read at the end: that
	// is damage; a read cut short is not.
	checked := io.MultiReader(bytes.NewReader(damaged), errReader{errors.New("error verifying sha256 checksum")})
	if _, err := dst.Import("k1", Gzip, checked, int64(len(blob)), l.digest, l.diffID); !errors.Is(err, ErrDigestMismatch) {
		t.Errorf("source check failed at the end: Import: %v, want ErrDigestMismatch", err)
	}
	short := io.MultiReader(bytes.NewReader(blob[:len(blob)/2]), errReader{errors.New("connection reset")})
	if _, err := dst.Import("k1", Gzip, short, int64(len(blob)), l.digest, l.diffID); err == nil || errors.Is(err, ErrDigestMismatch) {
		t.Errorf("short read: Import: %v, want an error that is not ErrDigestMismatch", err)
	}
	got, err := dst.Import("k1", Gzip, bytes.NewReader(blob), int64(len(blob)), l.digest, l.diffID)
	if err != nil {
		t.Fatal(err)
	}
	if dst.Lookup("k1", Gzip) == nil || got.digest != l.digest {
		t.Fatal("the imported layer is not recorded under its key")
	}
	out := filepath.Join(t.TempDir(), "app")
	if err := ExtractFile(got, "/usr/local/bin/app", out, 0o755); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(out); !bytes.Equal(b, content) {
		t.Fatalf("extracted %q, want %q", b, content)
	}
	if fi, _ := os.Stat(out); fi.Mode().Perm() != 0o755 {
		t.Fatalf("extracted mode %v", fi.Mode())
	}
	if err := ExtractFile(got, "/usr/local/bin/other", out, 0o755); err == nil {
		t.Fatal("ExtractFile of a missing file succeeded")
	}
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

// validImportKey accepts what `^[a-z0-9][a-z0-9-]{0,127}$` matches, and
// nothing else.
func TestValidImportKey(t *testing.T) {
	re := regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,127}$`)
	for _, key := range []string{"", "a", "0", "-", "-a", "a-", "a-b-c", "A", "a_b", "a.b", "ä", "a b",
		strings.Repeat("a", 128), strings.Repeat("a", 129), "sha256-" + strings.Repeat("f", 64)} {
		if got, want := validImportKey(key), re.MatchString(key); got != want {
			t.Errorf("validImportKey(%q) = %v, want %v", key, got, want)
		}
	}
}
