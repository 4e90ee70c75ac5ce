package harness

import (
	"os"
	"strings"
	"testing"
)

// The README names every Debian package the set-up installs, so that a
// new user knows what the tests put on the machine.
func TestREADMEListsPackages(t *testing.T) {
	b, err := os.ReadFile("../../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	// The paragraph that lists them.
	_, list, ok := strings.Cut(string(b), "installs what is missing from Debian's packages")
	if !ok {
		t.Fatal("the README does not list the packages the set-up installs")
	}
	list, _, _ = strings.Cut(list, "\n\n")
	for _, r := range requirements {
		if !strings.Contains(list, "`"+r.pkg+"`") {
			t.Errorf("the README's package list lacks %s", r.pkg)
		}
	}
	if !strings.Contains(list, "`shellcheck`") {
		t.Error("the README's package list lacks shellcheck (e2e/release installs it)")
	}
}
