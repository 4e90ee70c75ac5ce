package publish

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// Registry pushes to container registries.
type Registry struct {
	// Keychain finds credentials; nil means the Docker config and its
	// credential helpers (authn.DefaultKeychain, honouring DOCKER_CONFIG).
	Keychain authn.Keychain
	// Insecure lists registries (host[:port]) that may use plain HTTP or
	// unverified TLS. Every other registry gets verified TLS.
	Insecure []string
	// Jobs bounds concurrent blob uploads; 0 means ggcr's default.
	Jobs int
	// Transport is the base HTTP transport; nil means remote.DefaultTransport.
	Transport http.RoundTripper
	// Progress receives one line per step; may be nil.
	Progress func(format string, args ...any)
	// Signer, when set, signs every image pushed and attests its SBOMs.
	Signer Signer
	// Provenance, when set with a Signer, adds a signed SLSA provenance.
	Provenance *Provenance
	// Upload receives byte counts while a repository's blobs upload, and
	// the average rate in bytes per second; may be nil.
	Upload func(repo string, done, total int64, rate float64)
	// Timeout fails a request that sends and receives nothing for that
	// long; 0 means DefaultTimeout.
	Timeout time.Duration
	// Verbose receives details, such as each transient failure (HTTP
	// 5xx or 429, a dropped connection) about to be retried; may be nil.
	Verbose func(format string, args ...any)

	transient atomic.Int64
}

// RemoteOptions are the go-containerregistry options for talking to
// registries: credentials, transport, jobs, context.
func (r *Registry) RemoteOptions(ctx context.Context) []remote.Option {
	kc := r.Keychain
	if kc == nil {
		kc = authn.DefaultKeychain
	}
	opts := []remote.Option{
		remote.WithContext(ctx),
		remote.WithAuthFromKeychain(kc),
		remote.WithTransport(r.watched()),
		remote.WithUserAgent("mingo"),
	}
	if r.Jobs > 0 {
		opts = append(opts, remote.WithJobs(r.Jobs))
	}
	return opts
}

// watched is the transport under a watchdog that fails stalled requests
// and reports transient failures.
func (r *Registry) watched() http.RoundTripper {
	timeout := r.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return &watchdog{next: r.transport(), timeout: timeout, transient: &r.transient, logf: r.Verbose}
}

// fail is registryError with the count of transient failures retried
// during the run, so an error after exhausted retries says so.
func (r *Registry) fail(repo name.Repository, err error) error {
	err = registryError(repo, err)
	if e, ok := err.(*RegistryError); ok {
		e.Retried = int(r.transient.Load())
	}
	return err
}

// transport skips TLS verification only for requests to the registries the
// user named as insecure.
func (r *Registry) transport() http.RoundTripper {
	base := r.Transport
	if base == nil {
		base = remote.DefaultTransport
	}
	if len(r.Insecure) == 0 {
		return base
	}
	ht, ok := base.(*http.Transport)
	if !ok {
		return base
	}
	unverified := ht.Clone()
	if unverified.TLSClientConfig == nil {
		unverified.TLSClientConfig = &tls.Config{}
	}
	unverified.TLSClientConfig.InsecureSkipVerify = true //nolint:gosec // only for registries the user named with --insecure-registry
	hosts := map[string]bool{}
	for _, h := range r.Insecure {
		hosts[h] = true
	}
	return &hostRouter{verified: base, unverified: unverified, hosts: hosts}
}

type hostRouter struct {
	verified, unverified http.RoundTripper
	hosts                map[string]bool
}

func (h *hostRouter) RoundTrip(req *http.Request) (*http.Response, error) {
	if h.hosts[req.URL.Host] {
		return h.unverified.RoundTrip(req)
	}
	return h.verified.RoundTrip(req)
}

// Check verifies that each tag's registry is reachable and accepts the
// credentials, so a build can fail before compiling for minutes. A missing
// tag is fine; it is about to be created.
func (r *Registry) Check(ctx context.Context, tags []name.Tag) error {
	opts := r.RemoteOptions(ctx)
	seen := map[string]bool{}
	for _, t := range tags {
		repo := t.Context().String()
		if seen[repo] {
			continue
		}
		seen[repo] = true
		_, err := remote.Head(t, opts...)
		var terr *transport.Error
		if err == nil || errors.As(err, &terr) && terr.StatusCode == http.StatusNotFound {
			continue
		}
		return r.fail(t.Context(), err)
	}
	return nil
}

// Publish pushes each image to its tags (Result.Tags): see Push. Before
// the tags are written, each image gets its SBOMs attached and, with a
// Signer, its signatures and attestations (see trust.go). It returns each
// image's first repository@digest.
func (r *Registry) Publish(ctx context.Context, images []*Image) ([]name.Reference, error) {
	out := make([]name.Reference, len(images))
	for i, res := range images {
		d, err := r.Push(ctx, res.Artifact(), res.Tags, func(ctx context.Context, repo name.Repository) error {
			return r.referrers(ctx, repo, res)
		})
		if err != nil {
			return nil, err
		}
		out[i] = d
	}
	return out, nil
}

// Close does nothing: every push is complete when Publish returns.
func (r *Registry) Close() error { return nil }

// ErrNoTags is a push with nowhere to go.
var ErrNoTags = errors.New("no tags to push to")

// Push uploads a to every tag's repository by digest (blobs first, then
// child manifests, then the manifest itself, in parallel where possible),
// and only once every repository holds it, points the tags at it. It returns
// the first tag's repository@digest.
//
// attach, when not nil, runs for each repository once a holds there and
// before any tag is written: the place for referrers such as SBOMs, so that
// a tag never points at an image whose attachments are still missing.
func (r *Registry) Push(ctx context.Context, a Artifact, tags []name.Tag, attach func(context.Context, name.Repository) error) (name.Digest, error) {
	if len(tags) == 0 {
		return name.Digest{}, ErrNoTags
	}
	digest, err := a.Digest()
	if err != nil {
		return name.Digest{}, err
	}
	opts := r.RemoteOptions(ctx)
	var first name.Digest
	seen := map[string]bool{}
	for i, t := range tags {
		repo := t.Context()
		d := repo.Digest(digest.String())
		if i == 0 {
			first = d
		}
		if seen[repo.String()] {
			continue
		}
		seen[repo.String()] = true
		r.progressf("pushing %s", d)
		pushOpts, uploaded := r.withUpload(repo.String(), opts)
		err := remote.Push(d, a, pushOpts...)
		uploaded()
		if err != nil {
			return name.Digest{}, r.fail(repo, err)
		}
		if attach != nil {
			if err := attach(ctx, repo); err != nil {
				return name.Digest{}, err
			}
		}
	}
	for _, t := range tags {
		if err := remote.Tag(t, a, opts...); err != nil {
			return name.Digest{}, r.fail(t.Context(), err)
		}
		r.progressf("tagged %s", t)
	}
	return first, nil
}

// withUpload adds a progress channel reporting to r.Upload, and returns a
// func that waits for the last report. ggcr closes the channel when the push
// ends, so each push gets its own.
func (r *Registry) withUpload(repo string, opts []remote.Option) ([]remote.Option, func()) {
	if r.Upload == nil {
		return opts, func() {}
	}
	updates := make(chan v1.Update, 16)
	start := time.Now()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for u := range updates {
			if u.Error != nil {
				continue
			}
			r.Upload(repo, u.Complete, u.Total, float64(u.Complete)/max(time.Since(start).Seconds(), 0.001))
		}
	}()
	return append(slices.Clone(opts), remote.WithProgress(updates)), func() { <-done }
}

func (r *Registry) progressf(format string, args ...any) {
	if r.Progress != nil {
		r.Progress(format, args...)
	}
}

// Problem classifies a registry failure, for callers that advise on it.
type Problem int

// The problems a registry failure can be.
const (
	Other        Problem = iota
	Unauthorized         // HTTP 401: credentials missing or rejected
	Forbidden            // HTTP 403
	Untrusted            // TLS certificate not trusted
	UnknownHost          // DNS has no such host
	Unreachable          // connection refused, timed out
	Stalled              // no progress for the timeout: see StallError
	StorageFull          // the registry's storage has no space left
)

// RegistryError is a failure talking to a registry. Its message names the
// registry and what happened, never credentials.
type RegistryError struct {
	Registry   string
	Repository string
	Problem    Problem
	Err        error
	// Retried counts the transient failures retried before this one.
	Retried int
}

func (e *RegistryError) Error() string {
	msg := e.message()
	if e.Retried > 0 {
		msg += fmt.Sprintf(" (after %d transient failures, retried)", e.Retried)
	}
	return msg
}

func (e *RegistryError) message() string {
	switch e.Problem {
	case Stalled:
		var stall *StallError
		errors.As(e.Err, &stall)
		return stall.Error()
	case Unauthorized:
		return fmt.Sprintf("registry %s rejected the credentials for %s (HTTP 401)", e.Registry, e.Repository)
	case Forbidden:
		return fmt.Sprintf("registry %s denied access to %s (HTTP 403)", e.Registry, e.Repository)
	case Untrusted:
		return fmt.Sprintf("registry %s has a TLS certificate this machine does not trust (%s)", e.Registry, oneLine(Redact(e.Err.Error())))
	case UnknownHost:
		var dnsErr *net.DNSError
		errors.As(e.Err, &dnsErr)
		return fmt.Sprintf("cannot reach registry %s: host %s not found", e.Registry, dnsErr.Name)
	case Unreachable:
		var opErr *net.OpError
		errors.As(e.Err, &opErr)
		return fmt.Sprintf("cannot reach registry %s: %s", e.Registry, oneLine(Redact(opErr.Err.Error())))
	}
	return fmt.Sprintf("registry %s failed for %s: %s", e.Registry, e.Repository, oneLine(Redact(describe(e.Err))))
}

// describe is err's text, with the registry's diagnostics rendered as
// text: ggcr prints a diagnostic's detail with %v, which shows a JSON
// object as a Go map (map[DriverName:filesystem Enclosed:map[Err:28]]).
func describe(err error) string {
	var terr *transport.Error
	if !errors.As(err, &terr) || len(terr.Errors) == 0 {
		return err.Error()
	}
	var parts []string
	for _, d := range terr.Errors {
		msg := string(d.Code) + ": " + d.Message
		if d.Detail != nil {
			if text := detailText("", d.Detail); text != "" {
				msg += " (" + text + ")"
			}
		}
		parts = append(parts, msg)
	}
	prefix := ""
	if terr.Request != nil {
		prefix = terr.Request.Method + " " + terr.Request.URL.Path + ": "
	}
	return prefix + strings.Join(parts, "; ")
}

// detailText renders a diagnostic's detail (decoded JSON) as key=value
// pairs in key order, nested keys joined with dots; a numeric Err is the
// system error it stands for (28: no space left on device).
func detailText(key string, v any) string {
	switch v := v.(type) {
	case map[string]any:
		keys := slices.Sorted(maps.Keys(v))
		var parts []string
		for _, k := range keys {
			sub := k
			if key != "" {
				sub = key + "." + k
			}
			if t := detailText(sub, v[k]); t != "" {
				parts = append(parts, t)
			}
		}
		return strings.Join(parts, " ")
	case []any:
		var parts []string
		for i, e := range v {
			parts = append(parts, detailText(fmt.Sprintf("%s[%d]", key, i), e))
		}
		return strings.Join(parts, " ")
	case float64:
		if strings.HasSuffix(key, "Err") && v == float64(int(v)) && v > 0 {
			return key + "=" + strconv.Quote(syscall.Errno(int(v)).Error())
		}
	case nil:
		return ""
	}
	if key == "" {
		return fmt.Sprint(v)
	}
	return key + "=" + fmt.Sprint(v)
}

func (e *RegistryError) Unwrap() error { return e.Err }

// registryError classifies a failure talking to repo's registry.
// Credentials never appear: ggcr redacts them from URLs, and the messages
// here name only hosts.
func registryError(repo name.Repository, err error) error {
	e := &RegistryError{Registry: repo.RegistryStr(), Repository: repo.String(), Err: err}
	var terr *transport.Error
	var uaErr x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var opErr *net.OpError
	var dnsErr *net.DNSError
	var stall *StallError
	switch {
	case errors.As(err, &stall):
		e.Problem = Stalled
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	case errors.As(err, &terr) && terr.StatusCode == http.StatusUnauthorized:
		e.Problem = Unauthorized
	case errors.As(err, &terr) && terr.StatusCode == http.StatusForbidden:
		e.Problem = Forbidden
	case errors.As(err, &terr) && terr.StatusCode == http.StatusBadRequest && strings.Contains(terr.Error(), "HTTP request to an HTTPS server"):
		// A loopback registry: ggcr tried HTTPS, failed verification, fell
		// back to plain HTTP and was refused. The real problem is trust.
		e.Problem, e.Err = Untrusted, fmt.Errorf("and it refuses plain HTTP: %w", err)
	case errors.As(err, &terr) && strings.Contains(describe(terr), syscall.ENOSPC.Error()):
		// Distribution's storage driver error, with the errno as its detail.
		e.Problem = StorageFull
	case errors.As(err, &terr):
	case errors.As(err, &uaErr), errors.As(err, &hostErr):
		e.Problem = Untrusted
	case errors.As(err, &dnsErr):
		e.Problem = UnknownHost
	case errors.As(err, &opErr) && opErr.Op == "dial":
		// A connection reset mid-upload is not an unreachable registry.
		e.Problem = Unreachable
	}
	return e
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
