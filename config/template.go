package config

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"text/template"
	"time"

	"github.com/mingo-build/mingo/internal/gotool"
)

// Vars are what {{.Version}}, {{.Commit}} and {{.Date}} expand to in tags
// and ldflags, along with ko's {{.Env.NAME}} and {{.Git.ShortCommit}}
// (and the other fields of Git).
type Vars struct {
	Version string // git describe --tags --always --dirty; "dev" outside git
	Commit  string // the full commit hash; "unknown" outside git
	Date    string // RFC 3339, UTC: SOURCE_DATE_EPOCH, else the commit time
	// Env is the environment of the process, as ko's {{.Env.NAME}}
	// reads it; a variable that is not set is an error.
	Env map[string]string
	// Git is ko's {{.Git.*}}.
	Git Git
}

// Git holds the fields of ko's {{.Git}} template value.
type Git struct {
	Branch, Tag, ShortCommit, FullCommit string
	// CommitDate is RFC 3339, UTC; CommitTimestamp the same in seconds.
	CommitDate       string
	CommitTimestamp  int64
	IsDirty, IsClean bool
	TreeState        string // "clean" or "dirty"
}

// LazyVars returns a function that computes the Vars of the git checkout
// at dir (the current directory when dir is empty) on its first call and
// returns the same Vars on every call, so git runs only if a template is
// used. It is safe for concurrent use.
//
// Date comes from SOURCE_DATE_EPOCH when it holds a valid time, else from
// the commit; an invalid SOURCE_DATE_EPOCH is ignored here (see
// SourceDateEpoch to report it). Outside git the fields keep their
// defaults: "dev", "unknown" and 1970-01-01T00:00:00Z.
func LazyVars(ctx context.Context, dir string) func() Vars {
	return sync.OnceValue(func() Vars {
		v := Vars{Version: "dev", Commit: "unknown", Date: "1970-01-01T00:00:00Z", Env: environ()}
		git := func(args ...string) string {
			cmd := exec.CommandContext(ctx, "git", args...)
			cmd.Env = gotool.ChildEnv()
			cmd.Dir = dir
			out, err := cmd.Output()
			if err != nil {
				return ""
			}
			return strings.TrimSpace(string(out))
		}
		if s := git("describe", "--tags", "--always", "--dirty"); s != "" {
			v.Version = s
		}
		if s := git("rev-parse", "HEAD"); s != "" {
			v.Commit = s
		}
		v.Git = gitVars(git)
		if t, err := SourceDateEpoch(); err == nil && !t.IsZero() {
			v.Date = t.Format(time.RFC3339)
		} else if v.Git.CommitDate != "" {
			v.Date = v.Git.CommitDate
		}
		return v
	})
}

// gitVars fills in ko's {{.Git}} from the git command git runs ("" when
// it fails).
func gitVars(git func(args ...string) string) Git {
	g := Git{
		Branch:      git("rev-parse", "--abbrev-ref", "HEAD"),
		Tag:         git("describe", "--tags", "--abbrev=0"),
		ShortCommit: git("rev-parse", "--short", "HEAD"),
		FullCommit:  git("rev-parse", "HEAD"),
	}
	if g.FullCommit != "" {
		g.IsClean, g.TreeState = true, "clean"
	}
	if s := git("log", "-1", "--format=%cI"); s != "" {
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			g.CommitDate, g.CommitTimestamp = t.UTC().Format(time.RFC3339), t.Unix()
		}
	}
	if g.FullCommit != "" && git("status", "--porcelain") != "" {
		g.IsDirty, g.IsClean, g.TreeState = true, false, "dirty"
	}
	return g
}

// environ is the process environment as a map.
func environ() map[string]string {
	m := map[string]string{}
	for _, kv := range os.Environ() {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return m
}

// maxEpoch is 9999-12-31T23:59:59Z.
const maxEpoch = 253402300799

// ErrEpoch is wrapped by the errors of SourceDateEpoch and
// KoDataDateEpoch.
var ErrEpoch = errors.New("not a valid epoch")

// epochError is a bad epoch variable; it is ErrEpoch.
type epochError string

func (e epochError) Error() string        { return string(e) }
func (e epochError) Is(target error) bool { return target == ErrEpoch }

// SourceDateEpoch returns the time in the SOURCE_DATE_EPOCH environment
// variable, in UTC, or the zero time when it is unset or empty.
func SourceDateEpoch() (time.Time, error) { return epoch("SOURCE_DATE_EPOCH") }

// KoDataDateEpoch returns the time in ko's KO_DATA_DATE_EPOCH environment
// variable, the time of the kodata files, in UTC, or the zero time when
// it is unset or empty.
func KoDataDateEpoch() (time.Time, error) { return epoch("KO_DATA_DATE_EPOCH") }

// epoch reads the Unix time in the environment variable name.
func epoch(name string) (time.Time, error) {
	s := os.Getenv(name)
	if s == "" {
		return time.Time{}, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return time.Time{}, epochError(fmt.Sprintf("%s=%q is not a Unix time in seconds", name, s))
	}
	if n > maxEpoch {
		// An image records times as RFC 3339, whose year has four digits.
		return time.Time{}, epochError(fmt.Sprintf("%s=%q is past the year 9999, the last an image can record (at most %d)", name, s, maxEpoch))
	}
	return time.Unix(n, 0).UTC(), nil
}

// Expand runs s as a text/template over the Vars that vars returns; text
// without "{{" is returned as is and vars is not called. A field other
// than Version, Commit, Date, Env and Git is an error, and so is an Env
// variable that is not set.
func Expand(s string, vars func() Vars) (string, error) {
	if !strings.Contains(s, "{{") {
		return s, nil
	}
	t, err := template.New("").Option("missingkey=error").Parse(s)
	if err != nil {
		return "", fmt.Errorf("template %q: %w", s, err)
	}
	var b strings.Builder
	if err := t.Execute(&b, vars()); err != nil {
		return "", fmt.Errorf("template %q: %w; the fields are {{.Version}}, {{.Commit}}, {{.Date}}, {{.Env.NAME}} and {{.Git.ShortCommit}} (and the other fields of Git)", s, err)
	}
	return b.String(), nil
}

// ExpandAll is Expand for each of ss; the first error stops it.
func ExpandAll(ss []string, vars func() Vars) ([]string, error) {
	out := make([]string, len(ss))
	for i, s := range ss {
		var err error
		if out[i], err = Expand(s, vars); err != nil {
			return nil, err
		}
	}
	return out, nil
}
