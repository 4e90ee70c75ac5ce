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

// readVCS asks git for the source, revision and commit time of the
// checkout at dir: two git commands at once (HEAD's hash and time in one),
// each of which costs a few milliseconds of CPU while go build runs.
// Outside a git work tree, or before its first commit, it is empty.
func readVCS(ctx context.Context, dir string) vcsInfo {
	remote := make(chan string, 1)
	go func() { remote <- git(ctx, dir, "remote", "get-url", "origin") }()
	v := vcsInfo{annots: map[string]string{}}
	rev, ct, _ := strings.Cut(git(ctx, dir, "log", "-1", "--format=%H %ct"), " ")
	if sec, err := strconv.ParseInt(ct, 10, 64); err == nil && rev != "" {
		v.annots[AnnotationRevision] = rev
		v.commit = time.Unix(sec, 0).UTC()
	}
	if src := publicURL(<-remote); src != "" {
		v.annots[AnnotationSource] = src
	}
	return v
}

// vcsInfo is what git says of a module's checkout.
type vcsInfo struct {
	annots map[string]string
	// commit is HEAD's committer time; zero outside git.
	commit time.Time
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
