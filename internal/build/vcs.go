package build

import (
	"context"
	"net/url"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/mingo-build/mingo/internal/gotool"
)

// Standard OCI annotations mingo fills in when it knows them.
const (
	AnnotationSource   = "org.opencontainers.image.source"
	AnnotationRevision = "org.opencontainers.image.revision"
	AnnotationCreated  = "org.opencontainers.image.created"
)

// vcsAnnotations returns source and revision from git when dir is in a
// git work tree.
func vcsAnnotations(ctx context.Context, dir string) map[string]string {
	out := map[string]string{}
	if rev := git(ctx, dir, "rev-parse", "HEAD"); rev != "" {
		out[AnnotationRevision] = rev
	}
	if src := publicURL(git(ctx, dir, "remote", "get-url", "origin")); src != "" {
		out[AnnotationSource] = src
	}
	return out
}

// vcsInfo is what git says of a module's checkout.
type vcsInfo struct {
	annots map[string]string
	// commit is HEAD's committer time; zero outside git.
	commit time.Time
}

// commitTime returns the committer time of HEAD of the git checkout at
// dir, or the zero time.
func commitTime(ctx context.Context, dir string) time.Time {
	sec, err := strconv.ParseInt(git(ctx, dir, "log", "-1", "--format=%ct"), 10, 64)
	if err != nil {
		return time.Time{}
	}
	return time.Unix(sec, 0).UTC()
}

func git(ctx context.Context, dir string, args ...string) string {
	if dir == "" {
		return ""
	}
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...)
	cmd.Env = gotool.ChildEnv()
	out, err := cmd.Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

var scpLike = regexp.MustCompile(`^[\w.-]+@([\w.-]+):(.+)$`)

// publicURL turns a git remote into a browsable https URL with no
// credentials: git@github.com:acme/api.git -> https://github.com/acme/api.
// Remotes it cannot place (local paths) give "".
func publicURL(remote string) string {
	if m := scpLike.FindStringSubmatch(remote); m != nil {
		remote = "https://" + m[1] + "/" + m[2]
	}
	u, err := url.Parse(remote)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http" && u.Scheme != "ssh" && u.Scheme != "git") {
		return ""
	}
	u.Scheme, u.User = "https", nil
	u.Path = strings.TrimSuffix(u.Path, ".git")
	u.RawQuery, u.Fragment = "", ""
	if u.Port() != "" && u.Scheme == "https" && strings.HasPrefix(remote, "ssh") {
		u.Host = u.Hostname()
	}
	return u.String()
}
