package build

import (
	"context"
	"errors"
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
// Outside a git work tree, or before its first commit, it is empty. final
// reports whether both commands ran to the end (git's own verdict, such as
// "no remote origin"), not killed or unable to start: only then may the
// answer be kept.
func readVCS(ctx context.Context, dir string) (v vcsInfo, final bool) {
	remote := make(chan gitResult, 1)
	go func() { remote <- git(ctx, dir, "remote", "get-url", "origin") }()
	v = vcsInfo{annots: map[string]string{}}
	// log.showSignature would print a signature check first.
	log := git(ctx, dir, "-c", "log.showSignature=false", "log", "-1", "--format=%H %ct")
	rev, ct, _ := strings.Cut(lastLine(log.out), " ")
	if sec, err := strconv.ParseInt(ct, 10, 64); err == nil && rev != "" {
		v.annots[AnnotationRevision] = rev
		v.commit = time.Unix(sec, 0).UTC()
	}
	r := <-remote
	if src := publicURL(r.out); src != "" {
		v.annots[AnnotationSource] = src
	}
	return v, log.final && r.final
}

func lastLine(s string) string {
	return s[strings.LastIndexByte(s, '\n')+1:]
}

// vcsInfo is what git says of a module's checkout.
type vcsInfo struct {
	annots map[string]string
	// commit is HEAD's committer time; zero outside git.
	commit time.Time
}

// gitResult is a git command's output, "" if it failed, and whether it
// ran to the end (exited by itself, whatever its status).
type gitResult struct {
	out   string
	final bool
}

func git(ctx context.Context, dir string, args ...string) gitResult {
	if dir == "" {
		return gitResult{final: true}
	}
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...)
	cmd.Env = gotool.ChildEnv()
	out, err := cmd.Output()
	if err != nil {
		var exit *exec.ExitError
		return gitResult{final: errors.As(err, &exit) && exit.Exited() && ctx.Err() == nil}
	}
	return gitResult{out: strings.TrimSpace(string(out)), final: ctx.Err() == nil}
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
