package main

import (
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
)

// The one-line errors of a mistyped command line, word for word.
func TestCommandLineMistakes(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"build", ".", "-T", "reg/a:v1"}, "unknown shorthand flag: 'T' in -T: did you mean -t?"},
		{[]string{"build", ".", "-Z"}, "unknown shorthand flag: 'Z' in -Z"},
		{[]string{"build", ".", "--tarbal", "x.tar"}, "unknown flag: --tarbal: did you mean --tarball?"},
		{[]string{"build", ".", "--zzzzzzzz"}, "unknown flag: --zzzzzzzz"},
		{[]string{"biuld", "."}, `unknown command "biuld" for "mingo": did you mean build?`},
		{[]string{"zzzzz"}, `unknown command "zzzzz" for "mingo": see mingo --help`},
		{[]string{"verify", "."}, "mingo verify takes 2 argument(s), got 1: usage: mingo verify PACKAGE IMAGE [flags]"},
	} {
		cmd := newRootCommand()
		cmd.SetArgs(tc.args)
		cmd.SetOut(io.Discard)
		cmd.SetErr(io.Discard)
		if err := cmd.Execute(); err == nil || err.Error() != tc.want {
			t.Errorf("mingo %q: %v, want %q", tc.args, err, tc.want)
		}
	}
}

func TestVersionLine(t *testing.T) {
	var out strings.Builder
	cmd := newRootCommand()
	cmd.SetArgs([]string{"version"})
	cmd.SetOut(&out)
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("mingo %s (%s %s/%s)\n", versionNumber(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	if out.String() != want {
		t.Errorf("mingo version printed %q, want %q", out.String(), want)
	}
}
