package gocache

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"golang.org/x/sync/errgroup"

	"github.com/mingo-build/mingo/internal/layers"
)

// Usage is what a repository holds of the go command's cache, as Trim
// found it.
type Usage struct {
	// Entries is the number of action entries, Bytes the size of their
	// outputs (an output two entries share counts twice).
	Entries int
	Bytes   int64
	// Oldest and Newest are the times of the oldest and newest puts.
	Oldest, Newest time.Time
}

func (u *Usage) add(e *Entry) {
	u.Entries++
	u.Bytes += e.Size
	if u.Oldest.IsZero() || e.Time.Before(u.Oldest) {
		u.Oldest = e.Time
	}
	if e.Time.After(u.Newest) {
		u.Newest = e.Time
	}
}

// Trim reads every action entry of the repository (its tags starting with
// TagPrefix: the tag list, then one request per entry) and deletes the
// manifests of those put before cutoff (none when cutoff is zero). It
// returns what the repository held and what was removed; the registry's
// garbage collection then removes the blobs no entry names. An entry that
// does not parse counts as removable. Deleting needs a registry that
// allows it (Distribution: storage.delete.enabled).
func (r *Registry) Trim(ctx context.Context, cutoff time.Time) (held, removed Usage, err error) {
	entries, err := r.list(ctx)
	if err != nil {
		return held, removed, err
	}
	for _, l := range entries {
		held.add(l.entry)
		if cutoff.IsZero() || !l.entry.Time.Before(cutoff) {
			continue
		}
		if err := r.delete(ctx, l.tag, l.digest); err != nil {
			return held, removed, fmt.Errorf("deleting %s@%s: %w", r.repo, l.digest, err)
		}
		removed.add(l.entry)
	}
	return held, removed, nil
}

// Trimmed is what TrimRepo found in a repository and removed from it.
type Trimmed struct {
	// Repo is the repository trimmed.
	Repo name.Repository
	// Held is what the repository held before the trim, Removed what
	// the trim deleted of it.
	Held, Removed Usage
	// Cutoff is the time before which entries were put that were
	// removed; zero when none was to be.
	Cutoff time.Time
}

// TrimRepo opens repo (see OpenRegistry) and trims it (see Trim) of the
// entries put more than maxAge ago; with maxAge 0 it only reads what repo
// holds. An error trimming comes with what was found until then.
func TrimRepo(ctx context.Context, repo string, insecure bool, maxAge time.Duration) (*Trimmed, error) {
	t := &Trimmed{}
	if maxAge > 0 {
		t.Cutoff = time.Now().Add(-maxAge)
	}
	reg, err := OpenRegistry(ctx, repo, insecure, 0)
	if err != nil {
		return nil, err
	}
	t.Repo = reg.Name()
	t.Held, t.Removed, err = reg.Trim(ctx, t.Cutoff)
	return t, err
}

// ErrMaxAge is the error of ParseMaxAge.
var ErrMaxAge = errors.New("not a duration such as 720h or 30d")

// ParseMaxAge reads the age of the entries TrimRepo removes: a positive
// duration such as 720h, or days such as 30d; "" is 0, removing nothing.
func ParseMaxAge(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	age, err := layers.ParseMaxAge(s)
	if err != nil || age == 0 {
		return 0, fmt.Errorf("%q: %w", s, ErrMaxAge)
	}
	return age, nil
}

// listed is an action entry and its manifest's digest.
type listed struct {
	entry       *Entry
	tag, digest string
}

// list reads every action entry, a few at a time.
func (r *Registry) list(ctx context.Context) ([]listed, error) {
	tags, err := r.puller.List(ctx, r.repo)
	if err != nil && !isNotFound(err) {
		return nil, fmt.Errorf("listing %s: %w", r.repo, err)
	}
	var ours []string
	for _, t := range tags {
		if strings.HasPrefix(t, TagPrefix) {
			ours = append(ours, t)
		}
	}
	entries := make([]listed, len(ours))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8)
	for i, t := range ours {
		g.Go(func() error {
			desc, err := r.puller.Get(gctx, r.repo.Tag(t))
			if isNotFound(err) {
				return nil // deleted meanwhile
			}
			if err != nil {
				return err
			}
			e, err := parseEntry(desc.Manifest)
			if err != nil {
				e = &Entry{} // put at time zero: removable
			}
			entries[i] = listed{entry: e, tag: t, digest: desc.Digest.String()}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	var found []listed
	for _, l := range entries {
		if l.entry != nil {
			found = append(found, l)
		}
	}
	return found, nil
}

// delete removes the manifest digest, which Distribution does with every
// tag on it, then the tag itself, for registries that keep tags apart
// (an error there is ignored: Distribution 2 cannot delete a tag, and
// has no tag left to delete).
func (r *Registry) delete(ctx context.Context, tag, digest string) error {
	p, err := r.pusherOnce()
	if err != nil {
		return err
	}
	err = p.Delete(ctx, r.repo.Digest(digest))
	if err != nil && !isNotFound(err) { // not found: two tags of one manifest
		return err
	}
	_ = p.Delete(ctx, r.repo.Tag(tag))
	return nil
}
