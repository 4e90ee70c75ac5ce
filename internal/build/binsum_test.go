package build

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/mingo-build/mingo/internal/stamp"
)

// TestStampedSum checks that a recorded stamp spares the hash only while
// the binary is the file hashed: a fresh stamp is not recorded, and a
// rewrite of the same size, even with its times put back, is hashed again.
func TestStampedSum(t *testing.T) {
	if _, ok := stamp.Path(t.TempDir()); !ok {
		t.Skip("no stamps on this system")
	}
	w := &workspace{dir: t.TempDir(), seen: map[string]binStamp{}}
	bin := filepath.Join(w.dir, "app")
	if err := os.WriteFile(bin, []byte("binary one"), 0o755); err != nil {
		t.Fatal(err)
	}
	sums, _, err := w.settle([]string{"app"}, map[string]string{}, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	w.recordStamps(func(stamp.Stamp) bool { return false })
	if _, ok := w.stamped("app"); ok {
		t.Fatal("a stamp that is not settled was recorded")
	}
	clock := stamp.Clock{Probe: filepath.Join(t.TempDir(), "clock")}
	w.recordStamps(clock.Settle(w.pendingStamps()))
	if b, ok := w.stamped("app"); !ok || b.sum != sums["app"] {
		t.Fatalf("stamped = %v, %t; want the recorded digest %s", b, ok, sums["app"])
	}
	old := time.Now().Add(-time.Hour)
	if err := os.WriteFile(bin, []byte("binary two"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(bin, old, old); err != nil {
		t.Fatal(err)
	}
	if _, ok := w.stamped("app"); ok {
		t.Fatal("a rewritten binary with its times put back kept its stamp")
	}
}

// TestStampsKeepBuildID checks that a binary's record keeps its build ID,
// which buildIDs then gives without opening the binary, while its stamp
// holds.
func TestStampsKeepBuildID(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "app")
	if err := os.WriteFile(bin, []byte("binary"), 0o755); err != nil {
		t.Fatal(err)
	}
	st, ok := stamp.Path(bin)
	if !ok {
		t.Skip("no stamps on this system")
	}
	w := &workspace{dir: dir, seen: map[string]binStamp{"app": {st, "abc", "Go\x00\x00id/x"}}}
	if err := os.WriteFile(w.sumPath("app"), []byte("abc\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	w.recordStamps(func(stamp.Stamp) bool { return true })
	again := &workspace{dir: dir}
	if ids := again.buildIDs([]string{"app"}); ids["app"] != "Go\x00\x00id/x" {
		t.Fatalf("buildIDs = %q, want the recorded ID", ids["app"])
	}
	if b, ok := again.unchanged["app"]; !ok || b.sum != "abc" {
		t.Fatalf("unchanged = %+v, %t", b, ok)
	}
}

// A binary go build has just written is hashed by its layer, not before
// (layers.BuildFresh): the digest recorded for it is that of the bytes in
// the image, after the first build and after an edit, and a build at rest
// finds it recorded and gives the same image.
func TestFreshBinaryHashedByItsLayer(t *testing.T) {
	dir := t.TempDir()
	copyDir(t, testModule, dir)
	o := testOptions(t, dir, "./cmd/hello", "linux/amd64")
	var first string
	for i, step := range []string{"first build", "at rest", "after an edit"} {
		if step == "after an edit" {
			src := filepath.Join(dir, "cmd", "hello", "main.go")
			b, _ := os.ReadFile(src)
			if err := os.WriteFile(src, []byte(strings.Replace(string(b), "hello from", "edited, hello from", 1)), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		res, err := Build(context.Background(), o)
		if err != nil {
			t.Fatalf("%s: %v", step, err)
		}
		recs, _ := filepath.Glob(filepath.Join(o.Cache.Dir(), "bin", "*", ".hello.sha256"))
		if len(recs) != 1 {
			t.Fatalf("%s: digest records %v, want one", step, recs)
		}
		rec, _ := os.ReadFile(recs[0])
		if got := imageBinarySum(t, res.Images[0].Image, "usr/local/bin/hello"); strings.TrimSpace(string(rec)) != got {
			t.Errorf("%s: recorded %q, the image holds sha256:%s", step, rec, got)
		}
		d, err := res.Images[0].Image.Digest()
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case i == 0:
			first = d.String()
		case step == "at rest" && d.String() != first:
			t.Errorf("at rest: image %s, want %s", d, first)
		case step == "after an edit" && d.String() == first:
			t.Errorf("after an edit: the same image %s", d)
		}
	}
}

// imageBinarySum is the sha256 (hex) of file name in img's top layer.
func imageBinarySum(t *testing.T, img v1.Image, name string) string {
	t.Helper()
	ls, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	rc, err := ls[len(ls)-1].Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if err != nil {
			t.Fatalf("%s not in the top layer: %v", name, err)
		}
		if h.Name == name {
			s := sha256.New()
			if _, err := io.Copy(s, tr); err != nil {
				t.Fatal(err)
			}
			return hex.EncodeToString(s.Sum(nil))
		}
	}
}
