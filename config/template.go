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
// and ldflags.
type Vars struct {
	Version string // git describe --tags --always --dirty; "dev" outside git
	Commit  string // the full commit hash; "unknown" outside git
	Date    string // RFC 3339, UTC: SOURCE_DATE_EPOCH, else the commit time
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
		v := Vars{Version: "dev", Commit: "unknown", Date: "1970-01-01T00:00:00Z"}
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
		if t, err := SourceDateEpoch(); err == nil && !t.IsZero() {
			v.Date = t.Format(time.RFC3339)
		} else if s := git("log", "-1", "--format=%cI"); s != "" {
			if t, err := time.Parse(time.RFC3339, s); err == nil {
				v.Date = t.UTC().Format(time.RFC3339)
			}
		}
		return v
	})
}

// maxEpoch is 9999-12-31T23:59:59Z.
const maxEpoch = 253402300799

// ErrEpoch is wrapped by the errors of SourceDateEpoch.
var ErrEpoch = errors.New("SOURCE_DATE_EPOCH")

// SourceDateEpoch returns the time in the SOURCE_DATE_EPOCH environment
// variable, in UTC, or the zero time when it is unset or empty.
func SourceDateEpoch() (time.Time, error) {
	s := os.Getenv("SOURCE_DATE_EPOCH")
	if s == "" {
		return time.Time{}, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return time.Time{}, fmt.Errorf("%w=%q is not a Unix time in seconds", ErrEpoch, s)
	}
	if n > maxEpoch {
		// An image records times as RFC 3339, whose year has four digits.
		return time.Time{}, fmt.Errorf("%w=%q is past the year 9999, the last an image can record (at most %d)", ErrEpoch, s, maxEpoch)
	}
	return time.Unix(n, 0).UTC(), nil
}

// Expand runs s as a text/template over the Vars that vars returns; text
// without "{{" is returned as is and vars is not called. A field other
// than Version, Commit and Date is an error.
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
		return "", fmt.Errorf("template %q: %w; the fields are {{.Version}}, {{.Commit}} and {{.Date}}", s, err)
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
