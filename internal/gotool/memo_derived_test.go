package gotool

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// ListDerived derives once while the list's memo holds, and again once a
// file of a listed package changes what the go command reads of it: here
// a build constraint that leaves the file out.
func TestListDerived(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", "module example.com/m\n\ngo 1.21\n")
	write("p/a.go", "package p\n")
	write("p/b.go", "package p\n")
	// Old enough that the stamps are settled and the memo is written.
	time.Sleep(100 * time.Millisecond)
	ctx := WithMemo(context.Background(), t.TempDir())
	derived := 0
	ignored := func(pkgs []*ListedPackage) (int, error) {
		derived++
		n := 0
		for _, p := range pkgs {
			n += len(p.IgnoredGoFiles)
		}
		return n, nil
	}
	run := func(want, wantDerived int) {
		t.Helper()
		n, err := ListDerived(ctx, "ignored files 1", dir, Env(nil), ignored, "-e", "-deps", "./p")
		if err != nil {
			t.Fatal(err)
		}
		if n != want || derived != wantDerived {
			t.Fatalf("got %d ignored files after %d derivations, want %d after %d", n, derived, want, wantDerived)
		}
	}
	run(0, 1)
	run(0, 1)
	write("p/b.go", "//go:build never\n\npackage p\n")
	run(1, 2)
	run(1, 2)
	write("p/c.go", "//go:build never\n\npackage p\n")
	run(2, 3)
}
