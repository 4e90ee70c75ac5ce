package builder

import (
	"testing"
	"time"
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

func TestStandardAnnotations(t *testing.T) {
	a := standardAnnotations(t.Context(), t.TempDir(), time.Unix(1700000000, 0))
	if a[AnnotationCreated] != "2023-11-14T22:13:20Z" || a[AnnotationRevision] != "" {
		t.Errorf("outside git: %v", a)
	}
	if a := standardAnnotations(t.Context(), t.TempDir(), time.Time{}); len(a) != 0 {
		t.Errorf("no SOURCE_DATE_EPOCH, no git: %v", a)
	}
}
