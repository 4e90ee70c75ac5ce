package resolve

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseAndRewrite(t *testing.T) {
	data, err := os.ReadFile("testdata/app.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s, err := Parse("app.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range s.References {
		got = append(got, r.String())
	}
	want := []string{
		"app.yaml:11: mingo://example.com/app/cmd/api",
		"app.yaml:14: ko://example.com/app/cmd/sidecar",
		"app.yaml:21: ko://example.com/app/cmd/api",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("references:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	paths, first := ImportPaths([]*Source{s})
	if strings.Join(paths, ",") != "example.com/app/cmd/api,example.com/app/cmd/sidecar" || first["example.com/app/cmd/api"].Line != 11 {
		t.Errorf("ImportPaths = %v, %v", paths, first)
	}
	out, err := s.Rewrite(func(p string) string { return "reg.example.com/team/" + filepath.Base(p) + "@sha256:abc" })
	if err != nil {
		t.Fatal(err)
	}
	wantOut := strings.NewReplacer(
		"mingo://example.com/app/cmd/api", "reg.example.com/team/api@sha256:abc",
		`"ko://example.com/app/cmd/sidecar"`, `"reg.example.com/team/sidecar@sha256:abc"`,
		`'ko://example.com/app/cmd/api'`, `'reg.example.com/team/api@sha256:abc'`,
	).Replace(string(data))
	if string(out) != wantOut {
		t.Errorf("rewritten:\n%s\nwant:\n%s", out, wantOut)
	}
	if _, err := Parse("again.yaml", out); err != nil {
		t.Errorf("rewritten YAML does not parse: %v", err)
	}
}

func TestParseErrors(t *testing.T) {
	for _, c := range []struct{ name, in, want string }{
		{"syntax", "a: 1\nb: 2\n  c: 3\n", "x.yaml:3: invalid YAML: mapping values are not allowed"},
		{"second document", "a: 1\n---\nb: c: d\n", "x.yaml:3: invalid YAML"},
		{"tab", "a:\n\tb: 1\n", "x.yaml:2: invalid YAML"},
		{"pattern", "image: ko://example.com/app/...\n", `x.yaml:1: invalid reference "ko://example.com/app/..."`},
		{"relative", "a: 1\nimage: mingo://./cmd/api\n", `x.yaml:2: invalid reference "mingo://./cmd/api"`},
		{"empty", "image: mingo://\n", `x.yaml:1: invalid reference`},
		{"block", "image: >-\n  mingo://example.com/a\n", "x.yaml:1: \"mingo://example.com/a\": reference must be a plain"},
		{"escaped", "image: \"mingo://example.com/\\x61\"\n", "x.yaml:1: \"mingo://example.com/a\": reference must be a plain"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("x.yaml", []byte(c.in))
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse = %v, want an *Error", err)
			}
			if want := strings.TrimSuffix(c.want, "... "); !strings.HasPrefix(err.Error(), want) {
				t.Errorf("Parse = %q, want it to start with %q", err, want)
			}
		})
	}
}

func TestReadAndJoin(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("b.yml", "b: 1")
	write("a.yaml", "a: 1\n")
	write("notes.txt", "image: mingo://x\n")
	write("sub/c.yaml", "---\nc: mingo://example.com/c\n")
	names := func(recursive bool) string {
		srcs, err := Read([]string{dir}, recursive, nil)
		if err != nil {
			t.Fatal(err)
		}
		var n []string
		for _, s := range srcs {
			rel, _ := filepath.Rel(dir, s.Name)
			n = append(n, rel)
		}
		return strings.Join(n, ",")
	}
	if got := names(false); got != "a.yaml,b.yml" {
		t.Errorf("Read(dir) = %s", got)
	}
	if got := names(true); got != "a.yaml,b.yml,sub/c.yaml" {
		t.Errorf("Read(dir, recursive) = %s", got)
	}
	srcs, err := Read([]string{Stdin}, false, strings.NewReader("x: mingo://example.com/x\n"))
	if err != nil || len(srcs) != 1 || srcs[0].Name != "<stdin>" || len(srcs[0].References) != 1 {
		t.Errorf("Read(-) = %+v, %v", srcs, err)
	}
	if got := string(Join([][]byte{[]byte("a: 1\n"), []byte("b: 1"), []byte("---\nc: 1\n")})); got != "a: 1\n---\nb: 1\n---\nc: 1\n" {
		t.Errorf("Join = %q", got)
	}
	if _, err := Read([]string{filepath.Join(dir, "sub", "missing.yaml")}, false, nil); err == nil {
		t.Error("Read of a missing file succeeded")
	}
}

// Read refuses a file past MaxFileSize, and files past MaxTotalSize
// together, naming the file and the limit, before parsing any.
func TestReadBounded(t *testing.T) {
	dir := t.TempDir()
	line := "- image: mingo://example.com/app/cmd/api\n"
	write := func(name string, size int) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(strings.Repeat(line, size/len(line))), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	huge := write("huge.yaml", 5<<20)
	if _, err := Read([]string{huge}, false, nil); !errors.Is(err, ErrTooLarge) || !strings.HasPrefix(err.Error(), huge+": too large: more than 4 MiB") {
		t.Errorf("5 MiB file: %v", err)
	}
	if _, err := Read([]string{Stdin}, false, strings.NewReader(strings.Repeat(line, 5<<20/len(line)))); !errors.Is(err, ErrTooLarge) || !strings.HasPrefix(err.Error(), "<stdin>: too large") {
		t.Errorf("5 MiB on stdin: %v", err)
	}
	var parts []string
	for _, n := range []string{"a.yaml", "b.yaml", "c.yaml", "d.yaml", "e.yaml"} {
		parts = append(parts, write(n, 4<<20-100))
	}
	if _, err := Read(parts, false, nil); !errors.Is(err, ErrTooLarge) || !strings.HasPrefix(err.Error(), parts[4]+": too large: the inputs reach more than 16 MiB") {
		t.Errorf("five 4 MiB files: %v", err)
	}
	if s, err := Read([]string{write("small.yaml", 1000)}, false, nil); err != nil || len(s) != 1 {
		t.Errorf("a small file: %v", err)
	}
}
