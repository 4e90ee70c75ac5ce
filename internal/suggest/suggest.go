// Package suggest finds, for a mistyped name, the name probably meant.
package suggest

import (
	"strings"

	"github.com/spf13/pflag"
)

// Closest is the name among names fewest edits from given (see Distance),
// at most maxEdits away, the first in sorted order on a tie; "" when none
// is that close.
func Closest(given string, names []string, maxEdits int) string {
	best, bestDist := "", maxEdits+1
	for _, n := range names {
		if d := Distance(given, n); d < bestDist || d == bestDist && n < best {
			best, bestDist = n, d
		}
	}
	return best
}

// OtherCase is the last of names that equals given but for case (the
// shorthand -t for a mistyped -T); "" when there is none.
func OtherCase(given string, names []string) string {
	var other string
	for _, n := range names {
		if n != "" && strings.EqualFold(n, given) {
			other = n
		}
	}
	return other
}

// Distance is the Levenshtein distance between a and b: the fewest
// bytes to insert, delete or replace to turn a into b.
func Distance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// Flag is the flag of fs that the user probably meant, as it is written
// ("--tarball", "-t"), when err is pflag's complaint about an unknown one:
// for "unknown flag: --tarbal" the closest name (two edits at most), for
// "unknown shorthand flag: 'T' in -T" the shorthand of the other case. It
// is "" when there is no such flag, or err is about something else.
func Flag(err error, fs *pflag.FlagSet) string {
	var names, shorthands []string
	fs.VisitAll(func(f *pflag.Flag) { names, shorthands = append(names, f.Name), append(shorthands, f.Shorthand) })
	if c, ok := strings.CutPrefix(err.Error(), "unknown shorthand flag: '"); ok && c != "" {
		if s := OtherCase(c[:1], shorthands); s != "" {
			return "-" + s
		}
	} else if given, ok := strings.CutPrefix(err.Error(), "unknown flag: --"); ok {
		if s := Closest(given, names, 2); s != "" {
			return "--" + s
		}
	}
	return ""
}
