package gotool

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/tools/go/packages"
)

// TestDirStampHolds checks what keeps a memo: an edited function body
// does; a changed import, build constraint, embed line or a new file
// does not.
func TestDirStampHolds(t *testing.T) {
	const src = "//go:build linux\n\npackage main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(1) }\n"
	for _, tc := range []struct {
		name, file, src string
		holds           bool
	}{
		{"body edited", "main.go", "//go:build linux\n\npackage main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(2) }\n", true},
		{"import added", "main.go", "//go:build linux\n\npackage main\n\nimport (\"fmt\"; \"os\")\n\nfunc main() { fmt.Println(os.Args) }\n", false},
		{"constraint changed", "main.go", "//go:build darwin\n\npackage main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(1) }\n", false},
		{"embed added", "main.go", src + "\n//go:embed x\nvar x string\n", false},
		{"file added", "other.go", "package main\n", false},
		// The go command lists a package by its headers too: go build
		// reports a broken body.
		{"body broken", "main.go", "//go:build linux\n\npackage main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(1) \n", true},
		{"header broken", "main.go", "//go:build linux\n\npackage main\n\nimport \"fmt\n\nfunc main() { fmt.Println(1) }\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			d, ok := stampDir(dir, time.Now())
			if !ok {
				t.Fatal("stampDir failed")
			}
			if !d.holds() {
				t.Fatal("an untouched directory does not hold")
			}
			if err := os.WriteFile(filepath.Join(dir, tc.file), []byte(tc.src), 0o644); err != nil {
				t.Fatal(err)
			}
			if got := d.holds(); got != tc.holds {
				t.Errorf("holds = %t, want %t", got, tc.holds)
			}
		})
	}
}

// TestLoadMemoKeepsModule checks that a package loaded from a memo has the
// module the go command gave: where git is asked, and whether the package
// is a dependency, come from it.
func TestLoadMemoKeepsModule(t *testing.T) {
	dir := t.TempDir()
	for name, src := range map[string]string{
		"go.mod":          "module example.com/m\n\ngo 1.21\n",
		"cmd/app/main.go": "package main\n\nfunc main() {}\n",
	} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Old enough that the stamps are settled and the memo is written.
	time.Sleep(100 * time.Millisecond)
	ctx := WithMemo(context.Background(), t.TempDir())
	mode := packages.NeedName | packages.NeedFiles | packages.NeedModule
	file := memoFile(ctx, dir, Env(nil), "load2", fmt.Sprint(mode), "", "./cmd/...")
	for run := range 3 {
		pkgs, err := Load(ctx, dir, mode, nil, "./cmd/...")
		if err != nil {
			t.Fatal(err)
		}
		if len(pkgs) != 1 || pkgs[0].Module == nil || pkgs[0].Module.Path != "example.com/m" || !pkgs[0].Module.Main || pkgs[0].Module.Dir != dir {
			t.Fatalf("run %d: got %+v, module %+v", run, pkgs, pkgs[0].Module)
		}
		if _, ok := recall(file); !ok {
			t.Fatalf("run %d left no memo", run)
		}
	}
}
