package publish

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// DefaultTimeout is how long a registry request may make no progress (no
// byte sent or received) before it fails.
const DefaultTimeout = 60 * time.Second

// StallError is a registry request that made no progress for Timeout.
type StallError struct {
	Registry string
	Doing    string // what the request was for, e.g. "uploading a blob to team/api"
	Timeout  time.Duration
}

func (e *StallError) Error() string {
	return fmt.Sprintf("registry %s made no progress for %v while %s", e.Registry, e.Timeout, e.Doing)
}

// watchdog is the innermost transport under go-containerregistry's retries:
// it fails a request that sends and receives nothing for timeout, and
// reports each transient failure (5xx, 429, a dropped connection) that the
// retries above it are about to absorb.
type watchdog struct {
	next    http.RoundTripper
	timeout time.Duration
	// transient counts the failures a retry may absorb.
	transient *atomic.Int64
	logf      func(format string, args ...any)
	// stalled, when set, makes the error for a request that made no
	// progress for timeout; nil makes a StallError.
	stalled func(req *http.Request, timeout time.Duration) error
}

func (w *watchdog) RoundTrip(req *http.Request) (*http.Response, error) {
	// Reads are safe to repeat: retry them here too, since not every
	// caller above (referrers, fallback tags) retries a 5xx or 429.
	idempotent := req.Method == http.MethodGet || req.Method == http.MethodHead
	for attempt := 0; ; attempt++ {
		resp, err := w.try(req)
		transient := err != nil && isTransient(err) || err == nil && retryable(resp.StatusCode)
		if !idempotent || !transient || attempt == len(readBackoff) || req.Context().Err() != nil {
			return resp, err
		}
		if resp != nil {
			io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
		}
		select {
		case <-time.After(readBackoff[attempt]):
		case <-req.Context().Done():
			return nil, context.Cause(req.Context())
		}
	}
}

// readBackoff are the pauses before retrying a read that failed
// transiently.
var readBackoff = []time.Duration{300 * time.Millisecond, time.Second}

// try sends req once under the stall timer.
func (w *watchdog) try(req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithCancelCause(req.Context())
	var stall error = &StallError{Registry: req.URL.Host, Doing: doing(req), Timeout: w.timeout}
	if w.stalled != nil {
		stall = w.stalled(req, w.timeout)
	}
	p := &progress{timeout: w.timeout, timer: time.AfterFunc(w.timeout, func() { cancel(stall) })}
	req = req.Clone(ctx)
	var body *requestBody
	if req.Body != nil && req.Body != http.NoBody {
		body = &requestBody{ReadCloser: req.Body, p: p}
		req.Body = body
	}
	resp, err := w.next.RoundTrip(req)
	if err != nil {
		body.seal()
		p.stop()
		if errors.Is(context.Cause(ctx), stall) {
			err = stall
		} else if isTransient(err) {
			w.note("registry %s: %s failed (%s)", req.URL.Host, doing(req), oneLine(Redact(err.Error())))
		}
		cancel(nil)
		return nil, err
	}
	if retryable(resp.StatusCode) {
		w.note("registry %s: HTTP %d while %s", req.URL.Host, resp.StatusCode, doing(req))
	}
	p.touch()
	// A response may come before the body is all sent (an early refusal):
	// sealed once the caller is done with the response, not before.
	resp.Body = &progressBody{ReadCloser: resp.Body, p: p, done: func() { body.seal(); cancel(nil) }, stall: stall, ctx: ctx}
	return resp, nil
}

// isTransient is a failure of the connection that a retry may get past:
// what go-containerregistry's retries take as temporary.
func isTransient(err error) bool {
	var ne net.Error
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, net.ErrClosed) || errors.As(err, &ne) && ne.Timeout()
}

func (w *watchdog) note(format string, args ...any) {
	w.transient.Add(1)
	if w.logf != nil {
		w.logf(format, args...)
	}
}

// retryable are the statuses go-containerregistry retries.
func retryable(code int) bool {
	switch code {
	case http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusInternalServerError,
		http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// progress restarts the stall timer on every byte moved.
type progress struct {
	mu      sync.Mutex
	timeout time.Duration
	timer   *time.Timer
	stopped bool
}

func (p *progress) touch() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.stopped {
		p.timer.Reset(p.timeout)
	}
}

func (p *progress) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stopped = true
	p.timer.Stop()
}

// requestBody is a request's body that nothing reads once the round trip
// is over. The transport reads a body on a goroutine of its own (HTTP/2's
// writeRequestBody), which may still be reading after RoundTrip returned
// for a cancelled push; and go-containerregistry's progress reader, inside
// the body, sends on a channel it closes as soon as the push returns: a
// read after that panics ("send on closed channel"). seal, when the round
// trip fails or the caller is done with its response, waits for a read
// under way and refuses those after it.
type requestBody struct {
	io.ReadCloser
	p      *progress
	mu     sync.Mutex
	sealed bool
}

// errSealed is a read of a request's body after its round trip.
var errSealed = errors.New("request body read after the request ended")

func (b *requestBody) Read(buf []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.sealed {
		return 0, errSealed
	}
	n, err := b.ReadCloser.Read(buf)
	if n > 0 {
		b.p.touch()
	}
	return n, err
}

// seal ends reading; a nil body has nothing to seal.
func (b *requestBody) seal() {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.sealed = true
}

// progressBody restarts the timer as bytes flow, stops it at the end, and
// turns the cancellation the timer caused into the StallError.
type progressBody struct {
	io.ReadCloser
	p     *progress
	done  func()
	stall error
	ctx   context.Context
	once  sync.Once
}

func (b *progressBody) Read(buf []byte) (int, error) {
	n, err := b.ReadCloser.Read(buf)
	if n > 0 {
		b.p.touch()
	}
	if err != nil && err != io.EOF && b.ctx != nil && errors.Is(context.Cause(b.ctx), b.stall) {
		err = b.stall
	}
	if err == io.EOF {
		b.finish()
	}
	return n, err
}

func (b *progressBody) Close() error {
	b.finish()
	return b.ReadCloser.Close()
}

func (b *progressBody) finish() {
	b.once.Do(func() {
		if b.done != nil {
			b.p.stop()
			b.done()
		}
	})
}

var (
	blobPath     = regexp.MustCompile(`^/v2/(.+)/blobs/(sha256:[0-9a-f]{12})`)
	uploadPath   = regexp.MustCompile(`^/v2/(.+)/blobs/uploads/`)
	manifestPath = regexp.MustCompile(`^/v2/(.+)/manifests/(.+)$`)
)

// doing says in words what a registry request is for.
func doing(req *http.Request) string {
	p := req.URL.Path
	if m := uploadPath.FindStringSubmatch(p); m != nil {
		if req.Method == http.MethodPost {
			return "starting a blob upload to " + m[1]
		}
		return "uploading a blob to " + m[1]
	}
	if m := blobPath.FindStringSubmatch(p); m != nil {
		if req.Method == http.MethodHead {
			return fmt.Sprintf("checking for blob %s… in %s", m[2], m[1])
		}
		return fmt.Sprintf("downloading blob %s… from %s", m[2], m[1])
	}
	if m := manifestPath.FindStringSubmatch(p); m != nil {
		if req.Method == http.MethodPut {
			return fmt.Sprintf("writing manifest %s of %s", m[2], m[1])
		}
		return fmt.Sprintf("reading manifest %s of %s", m[2], m[1])
	}
	if p == "/v2/" || p == "/v2" {
		return "checking its API version"
	}
	if req.URL.Query().Has("scope") || req.URL.Query().Has("service") {
		return "getting a token"
	}
	return req.Method + " " + p
}

var urlInText = regexp.MustCompile(`https?://[^\s"']+`)

// Redact replaces the value of every query parameter of every URL in s
// with REDACTED: upload URLs carry session state (_state=...) and token
// URLs may carry credentials, and an error shows them all the same way.
func Redact(s string) string {
	return urlInText.ReplaceAllStringFunc(s, func(raw string) string {
		trail := ""
		for strings.HasSuffix(raw, ".") || strings.HasSuffix(raw, ":") || strings.HasSuffix(raw, ",") || strings.HasSuffix(raw, ")") {
			trail = raw[len(raw)-1:] + trail
			raw = raw[:len(raw)-1]
		}
		u, err := url.Parse(raw)
		if err != nil || u.RawQuery == "" {
			return raw + trail
		}
		q := u.Query()
		for k := range q {
			q[k] = []string{"REDACTED"}
		}
		u.RawQuery = q.Encode()
		u.User = nil
		return u.String() + trail
	})
}
