package build

import (
	"errors"
	"strings"
	"testing"
)

// Go's output for missing go.sum entries, one block per importing
// package, becomes one line with one go get for all of them.
func TestMissingSums(t *testing.T) {
	out := `cmd/api/main.go:3:8: missing go.sum entry for module providing package example.com/workers (imported by example.com/app/cmd/api); to add:
	go get example.com/app/cmd/api
internal/db/db.go:4:2: missing go.sum entry for module providing package example.com/sqlx (imported by example.com/app/internal/db); to add:
	go get example.com/app/internal/db
cmd/worker/main.go:3:8: missing go.sum entry for module providing package example.com/workers (imported by example.com/app/cmd/worker); to add:
	go get example.com/app/cmd/worker
`
	err := missingSums("linux/amd64", out)
	var ms *MissingSumError
	if !errors.As(err, &ms) {
		t.Fatalf("missingSums = %v", err)
	}
	want := "go build for linux/amd64: go.sum has no entry for the module of example.com/workers and 1 more; to add them: go get example.com/app/cmd/api example.com/app/internal/db example.com/app/cmd/worker"
	if err.Error() != want {
		t.Errorf("error = %q\nwant    %q", err, want)
	}
	if missingSums("linux/amd64", "main.go:3:2: undefined: x") != nil {
		t.Error("a compile error read as missing go.sum entries")
	}
}

func TestGoFileError(t *testing.T) {
	for file, dir := range map[string]string{"main.go": ".", "cmd/api/main.go": "./cmd/api", "./cmd/x/y.go": "./cmd/x", "/src/a/main.go": "/src/a"} {
		e := &GoFileError{File: file}
		if e.Dir() != dir || !strings.Contains(e.Error(), file) {
			t.Errorf("%s: Dir %q, error %q; want dir %q", file, e.Dir(), e, dir)
		}
	}
}
