package build

import (
	"os"
	"os/exec"
	"strings"
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

func TestVCSOutsideGit(t *testing.T) {
	if v := readVCS(t.Context(), t.TempDir()); len(v.annots) != 0 || !v.commit.IsZero() {
		t.Errorf("outside git: %v, %v", v.annots, v.commit)
	}
}

// In a checkout, one git log gives the revision and the commit time, and
// the origin remote the source, without its credentials.
func TestVCSInGit(t *testing.T) {
	dir := t.TempDir()
	env := append(os.Environ(), "HOME="+t.TempDir(), "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=a", "GIT_AUTHOR_EMAIL=a@example.com", "GIT_COMMITTER_NAME=a", "GIT_COMMITTER_EMAIL=a@example.com",
		"GIT_AUTHOR_DATE=1700000000 +0000", "GIT_COMMITTER_DATE=1700000000 +0000")
	for _, args := range [][]string{
		{"init", "-q"},
		{"remote", "add", "origin", "https://user:token@github.com/acme/api.git"},
		{"commit", "-q", "--allow-empty", "-m", "first"},
	} {
		cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	rev, err := exec.Command("git", "-C", dir, "rev-parse", "HEAD").Output()
	if err != nil {
		t.Fatal(err)
	}
	v := readVCS(t.Context(), dir)
	if v.annots[AnnotationRevision] != strings.TrimSpace(string(rev)) || v.annots[AnnotationSource] != "https://github.com/acme/api" || v.commit.Unix() != 1700000000 {
		t.Errorf("got %v, commit %v", v.annots, v.commit)
	}
}
