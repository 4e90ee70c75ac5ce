package build

import (
	"testing"
)

func TestPublicURL(t *testing.T) {
	for in, want := range map[string]string{
		"git@github.com:acme/api.git":                    "https://github.com/acme/api",
		"https://user:token@github.com/acme/api.git":     "https://github.com/acme/api",
		"https://gitlab.example.com/group/sub/api":       "https://gitlab.example.com/group/sub/api",
		"ssh://git@github.com/acme/api.git":              "https://github.com/acme/api",
		"/home/me/src/api":                               "",
		"":                                               "",
		"https://github.com/acme/api.git?token=secret#x": "https://github.com/acme/api",
	} {
		if got := publicURL(in); got != want {
			t.Errorf("publicURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestVCSAnnotationsOutsideGit(t *testing.T) {
	if a := vcsAnnotations(t.Context(), t.TempDir()); len(a) != 0 {
		t.Errorf("outside git: %v", a)
	}
}
