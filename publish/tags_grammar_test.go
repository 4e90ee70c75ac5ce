package publish

import (
	"regexp"
	"strings"
	"testing"
)

// ValidTag accepts what the distribution specification's tag expression
// matches, and nothing else.
func TestValidTagGrammar(t *testing.T) {
	re := regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$`)
	for _, tag := range []string{"", "v1", "V1.2.3", "_x", ".x", "-x", "x.", "x-", "a_b", "a/b", "a:b", "ä", "a b",
		strings.Repeat("a", 128), strings.Repeat("a", 129), "latest"} {
		if got, want := ValidTag(tag), re.MatchString(tag); got != want {
			t.Errorf("ValidTag(%q) = %v, want %v", tag, got, want)
		}
	}
}
