package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestStdin(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run(nil, strings.NewReader("one two\nthree  four five\n"), &out, &errOut); code != 0 {
		t.Fatalf("exit %d, stderr %q", code, errOut.String())
	}
	if got, want := strings.Fields(out.String()), []string{"2", "5", "25"}; strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("got %q, want lines words bytes %q", out.String(), want)
	}
}

func TestFilesAndFlags(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	os.WriteFile(a, []byte("x\ny\n"), 0o644)
	os.WriteFile(b, []byte("z\n"), 0o644)
	var out, errOut bytes.Buffer
	if code := run([]string{"-l", a, b}, nil, &out, &errOut); code != 0 {
		t.Fatalf("exit %d, stderr %q", code, errOut.String())
	}
	want := "       2 " + a + "\n       1 " + b + "\n       3 total\n"
	if out.String() != want {
		t.Errorf("got %q, want %q", out.String(), want)
	}

	out.Reset()
	if code := run([]string{filepath.Join(dir, "missing")}, nil, &out, &errOut); code != 1 {
		t.Errorf("missing file: exit %d, want 1", code)
	}
}

func TestVersion(t *testing.T) {
	var out bytes.Buffer
	if code := run([]string{"-version"}, nil, &out, &out); code != 0 || out.String() != "cli dev\n" {
		t.Errorf("exit %d, output %q; want 0, %q", code, out.String(), "cli dev\n")
	}
}
