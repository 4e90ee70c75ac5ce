package gotool

import (
	"os"
	"path/filepath"
	"testing"
	"time"
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
