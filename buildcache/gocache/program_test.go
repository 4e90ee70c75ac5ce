package gocache

import (
	"testing"
	"time"
)

func TestProgram(t *testing.T) {
	got, err := Program("/usr/bin/mingo", ProgramConfig{Repo: "reg.example.com:5000/team/gocache", Insecure: []string{"reg.example.com:5000"}, Timeout: 90 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	want := "/usr/bin/mingo gocache --repo reg.example.com:5000/team/gocache --insecure-registry --registry-timeout 1m30s"
	if got != want {
		t.Errorf("Program = %q, want %q", got, want)
	}
	got, _ = Program("/usr/bin/mingo", ProgramConfig{Repo: "ghcr.io/acme/cache", Insecure: []string{"reg.example.com:5000"}})
	if want := "/usr/bin/mingo gocache --repo ghcr.io/acme/cache"; got != want {
		t.Errorf("Program = %q, want %q", got, want)
	}
}

func TestQuoteFields(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"/usr/bin/mingo", "gocache"}, "/usr/bin/mingo gocache"},
		{[]string{"/opt/my tools/mingo", "gocache"}, "'/opt/my tools/mingo' gocache"},
		{[]string{"/opt/it's/mingo", ""}, `"/opt/it's/mingo" ''`},
	} {
		if got, err := quoteFields(tc.args); err != nil || got != tc.want {
			t.Errorf("quoteFields(%q) = %q, %v, want %q", tc.args, got, err, tc.want)
		}
	}
	if got, err := quoteFields([]string{`a'b"c`}); err == nil {
		t.Errorf("quoteFields of both quotes = %q, want an error", got)
	}
}
