package build

import (
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mingo-build/mingo/internal/stamp"
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
	if v, final := readVCS(t.Context(), t.TempDir()); len(v.annots) != 0 || !v.commit.IsZero() || !final {
		t.Errorf("outside git: %v, %v, final %t", v.annots, v.commit, final)
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
	v, _ := readVCS(t.Context(), dir)
	if v.annots[AnnotationRevision] != strings.TrimSpace(string(rev)) || v.annots[AnnotationSource] != "https://github.com/acme/api" || v.commit.Unix() != 1700000000 {
		t.Errorf("got %v, commit %v", v.annots, v.commit)
	}
}

// The memo gives git's answer while the files git reads are as they were,
// across a git status; a commit, a checkout and a new origin URL ask git
// again, each giving the new answer.
func TestVCSMemo(t *testing.T) {
	dir := t.TempDir()
	run := func(args ...string) { t.Helper(); gitSettled(t, dir, args...) }
	run("init", "-q")
	run("remote", "add", "origin", "https://github.com/acme/api.git")
	run("commit", "-q", "--allow-empty", "-m", "first")
	cache := t.TempDir()
	reads := 0
	check := func(wantReads int, wantSource string) {
		t.Helper()
		v := memoVCS(cache, dir, func() (vcsInfo, bool) { reads++; return readVCS(t.Context(), dir) })
		direct, _ := readVCS(t.Context(), dir)
		if !maps.Equal(v.annots, direct.annots) || !v.commit.Equal(direct.commit) || v.annots[AnnotationSource] != wantSource {
			t.Fatalf("memo gave %v %v, git %v %v", v.annots, v.commit, direct.annots, direct.commit)
		}
		if reads != wantReads {
			t.Fatalf("git asked %d times, want %d", reads, wantReads)
		}
	}
	check(1, "https://github.com/acme/api")
	check(1, "https://github.com/acme/api")
	run("status")
	check(1, "https://github.com/acme/api")
	run("commit", "-q", "--allow-empty", "-m", "second")
	check(2, "https://github.com/acme/api")
	check(2, "https://github.com/acme/api")
	run("checkout", "-q", "-b", "other", "HEAD~1")
	check(3, "https://github.com/acme/api")
	run("remote", "set-url", "origin", "https://github.com/acme/other.git")
	check(4, "https://github.com/acme/other")
	run("pack-refs", "--all")
	check(5, "https://github.com/acme/other")
	check(5, "https://github.com/acme/other")
	// A config that includes another is not followed: never memoized.
	run("config", "include.path", filepath.Join(t.TempDir(), "more"))
	check(6, "https://github.com/acme/other")
	check(7, "https://github.com/acme/other")
}

// In a linked worktree (.git a file naming the worktree's git directory,
// refs in the common one) a commit asks git again.
func TestVCSMemoWorktree(t *testing.T) {
	dir, wt := t.TempDir(), filepath.Join(t.TempDir(), "wt")
	run := func(in string, args ...string) { t.Helper(); gitSettled(t, in, args...) }
	run(dir, "init", "-q")
	run(dir, "commit", "-q", "--allow-empty", "-m", "first")
	run(dir, "worktree", "add", "-q", "-b", "feature", wt)
	cache, reads := t.TempDir(), 0
	check := func(want int) {
		t.Helper()
		v := memoVCS(cache, wt, func() (vcsInfo, bool) { reads++; return readVCS(t.Context(), wt) })
		if direct, _ := readVCS(t.Context(), wt); v.annots[AnnotationRevision] != direct.annots[AnnotationRevision] || v.annots[AnnotationRevision] == "" {
			t.Fatalf("memo gave revision %q, git %q", v.annots[AnnotationRevision], direct.annots[AnnotationRevision])
		}
		if reads != want {
			t.Fatalf("git asked %d times, want %d", reads, want)
		}
	}
	check(1)
	check(1)
	run(wt, "commit", "-q", "--allow-empty", "-m", "in the worktree")
	check(2)
	check(2)
}

// A checkout whose config shows signatures in git log (log.showSignature)
// still gives its revision and commit time.
func TestVCSSignedCommits(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(t.TempDir(), "key")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v\n%s", err, out)
	}
	pub, _ := os.ReadFile(key + ".pub")
	allowed := filepath.Join(t.TempDir(), "allowed")
	os.WriteFile(allowed, []byte("a@example.com "+string(pub)), 0o644)
	for _, args := range [][]string{
		{"init", "-q"}, {"config", "user.name", "a"}, {"config", "user.email", "a@example.com"},
		{"config", "gpg.format", "ssh"}, {"config", "user.signingkey", key},
		{"config", "gpg.ssh.allowedSignersFile", allowed}, {"config", "log.showSignature", "true"},
		{"commit", "-q", "-S", "--allow-empty", "-m", "signed"},
	} {
		if out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	rev, _ := exec.Command("git", "-C", dir, "rev-parse", "HEAD").Output()
	v, final := readVCS(t.Context(), dir)
	if v.annots[AnnotationRevision] != strings.TrimSpace(string(rev)) || v.commit.IsZero() || !final {
		t.Errorf("got %v, commit %v, final %t; want revision %s", v.annots, v.commit, final, rev)
	}
}

// Through a symlink to a subdirectory of a checkout, the memo follows the
// repository git finds; an answer that is not final is never kept.
func TestVCSMemoSymlinkAndUnfinished(t *testing.T) {
	repo := t.TempDir()
	run := func(args ...string) { t.Helper(); gitSettled(t, repo, args...) }
	run("init", "-q")
	run("commit", "-q", "--allow-empty", "-m", "first")
	os.Mkdir(filepath.Join(repo, "sub"), 0o755)
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(filepath.Join(repo, "sub"), link); err != nil {
		t.Fatal(err)
	}
	cache := t.TempDir()
	revAt := func() string {
		v := memoVCS(cache, link, func() (vcsInfo, bool) { return readVCS(t.Context(), link) })
		return v.annots[AnnotationRevision]
	}
	first := revAt()
	run("commit", "-q", "--allow-empty", "-m", "second")
	if second := revAt(); second == first || second == "" {
		t.Fatalf("after a commit the memo still gives %s", second)
	}
	other := t.TempDir()
	killed := func() (vcsInfo, bool) { return vcsInfo{annots: map[string]string{}}, false }
	memoVCS(cache, other, killed)
	if v := memoVCS(cache, other, func() (vcsInfo, bool) {
		return vcsInfo{annots: map[string]string{AnnotationSource: "https://example.com/x"}}, true
	}); v.annots[AnnotationSource] != "https://example.com/x" {
		t.Fatal("an answer that was not final was kept")
	}
}

// gitSettled runs git in dir as a committer of its own, then waits for the
// stamps of what it wrote to settle, so that a memo may keep them.
func gitSettled(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=a", "GIT_AUTHOR_EMAIL=a@example.com", "GIT_COMMITTER_NAME=a", "GIT_COMMITTER_EMAIL=a@example.com")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	time.Sleep(2 * stamp.FineGranularity)
}
