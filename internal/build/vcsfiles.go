package build

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// gitFiles are the files whose stamps fix what git says of the checkout
// at dir, a directory without symlinks (see vcsmemo.go): each
// <ancestor>/.git up to the first there is, the repository's HEAD, branch
// ref, packed-refs, shallow and config, the user's and the system's
// config, and the git binary. repo reports whether a repository was found;
// ok is false when git could read more than these (but for config
// includes: see noIncludes).
func gitFiles(dir string) (files []string, repo, ok bool) {
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "GIT_") && !gitTransportVar(k) {
			return nil, false, false // GIT_DIR, GIT_CONFIG_GLOBAL...: not followed
		}
	}
	found, err := exec.LookPath("git")
	if err != nil || !filepath.IsAbs(dir) {
		return nil, false, false
	}
	gitBin, err := filepath.EvalSymlinks(found)
	if err != nil {
		return nil, false, false
	}
	files = append(files, gitBin)
	config := configFiles(found, gitBin)
	for d := dir; ; d = filepath.Dir(d) {
		dotGit := filepath.Join(d, ".git")
		files = append(files, dotGit)
		if _, err := os.Lstat(dotGit); err == nil {
			repo, ok := repoFiles(dotGit)
			return append(append(files, repo...), config...), true, ok
		}
		if filepath.Dir(d) == d {
			return append(files, config...), false, true // git says nothing
		}
	}
}

// gitTransportVar reports whether the git variable k only changes how git
// talks to remotes or people (TLS, SSH, prompts, traces), never what it
// reads of a checkout.
func gitTransportVar(k string) bool {
	for _, p := range []string{"GIT_SSL_", "GIT_SSH", "GIT_HTTP_", "GIT_ASKPASS", "GIT_TERMINAL_PROMPT", "GIT_TRACE", "GIT_AUTHOR_", "GIT_COMMITTER_", "GIT_EDITOR", "GIT_PAGER", "GIT_PROXY_"} {
		if strings.HasPrefix(k, p) {
			return true
		}
	}
	return false
}

// repoFiles are the files of the repository whose .git is dotGit (a
// directory, or a file naming one, as in a linked worktree).
func repoFiles(dotGit string) ([]string, bool) {
	gitDir := dotGit
	var files []string
	if b, err := os.ReadFile(dotGit); err == nil {
		target, ok := strings.CutPrefix(strings.TrimSpace(string(b)), "gitdir: ")
		if !ok {
			return nil, false
		}
		gitDir = absFrom(filepath.Dir(dotGit), target)
	}
	common := gitDir
	files = append(files, filepath.Join(gitDir, "commondir"))
	if b, err := os.ReadFile(filepath.Join(gitDir, "commondir")); err == nil {
		common = absFrom(gitDir, strings.TrimSpace(string(b)))
	}
	// Not followed: refs in the reftable format, replace refs; nor a .git
	// git would pass over (it lacks objects or refs) for one further up.
	for _, p := range []string{filepath.Join(gitDir, "reftable"), filepath.Join(common, "reftable"), filepath.Join(common, "refs", "replace")} {
		if _, err := os.Lstat(p); err == nil {
			return nil, false
		}
	}
	for _, p := range []string{filepath.Join(common, "objects"), filepath.Join(common, "refs")} {
		if fi, err := os.Stat(p); err != nil || !fi.IsDir() {
			return nil, false
		}
	}
	files = append(files, filepath.Join(gitDir, "HEAD"), filepath.Join(common, "packed-refs"),
		filepath.Join(common, "shallow"), filepath.Join(common, "config"), filepath.Join(gitDir, "config.worktree"))
	head, err := os.ReadFile(filepath.Join(gitDir, "HEAD"))
	if err != nil {
		return nil, false
	}
	if ref, ok := strings.CutPrefix(strings.TrimSpace(string(head)), "ref: "); ok {
		if !strings.HasPrefix(ref, "refs/heads/") || strings.Contains(ref, "..") {
			return nil, false
		}
		loose := filepath.Join(common, filepath.FromSlash(ref))
		if b, err := os.ReadFile(loose); err == nil && bytes.HasPrefix(b, []byte("ref:")) {
			return nil, false // a symbolic branch
		}
		files = append(files, loose)
	}
	return files, true
}

// configFiles are git's global config files, and the system one wherever
// git's prefix puts it: /etc for /usr, PREFIX/etc otherwise, the prefix
// being that of the git PATH finds (a Homebrew link) or of the binary.
func configFiles(found, gitBin string) []string {
	home := os.Getenv("HOME")
	xdg := os.Getenv("XDG_CONFIG_HOME")
	if xdg == "" {
		xdg = filepath.Join(home, ".config")
	}
	return []string{filepath.Join(home, ".gitconfig"), filepath.Join(xdg, "git", "config"), "/etc/gitconfig",
		filepath.Join(filepath.Dir(filepath.Dir(found)), "etc", "gitconfig"),
		filepath.Join(filepath.Dir(filepath.Dir(gitBin)), "etc", "gitconfig")}
}

// noIncludes reports whether no config file among files includes another
// ([include] or [includeIf]), which the stamps would not follow.
func noIncludes(files []string) bool {
	for _, f := range files {
		if filepath.Base(f) != "config" && filepath.Base(f) != "gitconfig" && filepath.Base(f) != ".gitconfig" && filepath.Base(f) != "config.worktree" {
			continue
		}
		if b, err := os.ReadFile(f); err == nil && bytes.Contains(bytes.ToLower(b), []byte("include")) {
			return false
		}
	}
	return true
}

func absFrom(base, p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(base, p)
}
