package suggest

import (
	"testing"

	"github.com/spf13/pflag"
)

func TestDistance(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"", "abc", 3},
		{"abc", "", 3},
		{"tarball", "tarball", 0},
		{"tarbal", "tarball", 1},
		{"platfrom", "platform", 2},
		{"kitten", "sitting", 3},
	} {
		if got := Distance(tc.a, tc.b); got != tc.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestClosest(t *testing.T) {
	flags := []string{"platform", "push", "tag", "tarball"}
	for _, tc := range []struct {
		given string
		max   int
		want  string
	}{
		{"tarbal", 2, "tarball"},
		{"platfrom", 2, "platform"},
		{"zzzzzzzz", 2, ""},
		{"platfrom", 1, ""},
		{"tah", 2, "tag"},
		{"pus", 2, "push"},
		{"ta", 2, "tag"},  // tag 1 edit away, tarball 5
		{"xag", 1, "tag"}, // one name at the limit
	} {
		if got := Closest(tc.given, flags, tc.max); got != tc.want {
			t.Errorf("Closest(%q, %d) = %q, want %q", tc.given, tc.max, got, tc.want)
		}
	}
	// A tie goes to the first name in sorted order, whatever the order given.
	if got := Closest("ab", []string{"ac", "aa"}, 2); got != "aa" {
		t.Errorf("Closest on a tie = %q, want aa", got)
	}
}

func TestOtherCase(t *testing.T) {
	for _, tc := range []struct {
		given string
		names []string
		want  string
	}{
		{"T", []string{"", "q", "t", "v"}, "t"},
		{"v", []string{"V"}, "V"},
		{"x", []string{"", "t"}, ""},
		{"", []string{"", "t"}, ""},
	} {
		if got := OtherCase(tc.given, tc.names); got != tc.want {
			t.Errorf("OtherCase(%q, %q) = %q, want %q", tc.given, tc.names, got, tc.want)
		}
	}
}

// Flag reads pflag's own complaints: a mistyped name, a shorthand of the
// wrong case; anything else has no suggestion.
func TestFlag(t *testing.T) {
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	fs.String("tarball", "", "")
	fs.StringP("tag", "t", "", "")
	for args, want := range map[string]string{
		"--tarbal":     "--tarball",
		"-T":           "-t",
		"--everything": "",
		"--tag":        "", // a missing value: not a name to correct
	} {
		err := fs.Parse([]string{args})
		if err == nil {
			t.Fatalf("%s: parsed", args)
		}
		if got := Flag(err, fs); got != want {
			t.Errorf("Flag(%q) = %q, want %q", err, got, want)
		}
	}
}
