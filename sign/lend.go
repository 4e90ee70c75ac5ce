package sign

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// A Lender lends a Signer to a child process that cannot open the key
// itself: mingo build lends the cache sign key to the mingo gocache that
// go build starts, whose environment never holds COSIGN_PASSWORD (see
// gotool.Secrets). The child asks over a unix socket in a directory only
// the user can enter (see SocketSigner); only manifests of one
// repository are signed, so the socket cannot sign anything else.
type Lender struct {
	dir string
	srv *http.Server
}

// Lend serves s for the manifests of the repository repo, reached with
// opts, until Close.
func Lend(repo string, s *Signer, opts ...remote.Option) (*Lender, error) {
	want, err := name.NewRepository(repo)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "mingo-sign-") // mode 0700
	if err != nil {
		return nil, err
	}
	l, err := net.Listen("unix", filepath.Join(dir, "sock"))
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(io.LimitReader(req.Body, 1024))
		d, err := name.NewDigest(string(b))
		if err != nil || d.Repository.Name() != want.Name() {
			http.Error(w, fmt.Sprintf("%q is not a manifest of %s", b, want), http.StatusBadRequest)
			return
		}
		if err := s.Sign(req.Context(), d, opts...); err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
		}
	})}
	go srv.Serve(l)
	return &Lender{dir: dir, srv: srv}, nil
}

// Socket is the path of the unix socket a SocketSigner dials; "" for a
// nil Lender, which lends nothing.
func (l *Lender) Socket() string {
	if l == nil {
		return ""
	}
	return filepath.Join(l.dir, "sock")
}

// Close stops lending and removes the socket; a nil Lender is a no-op.
func (l *Lender) Close() error {
	if l == nil {
		return nil
	}
	err := l.srv.Close()
	os.RemoveAll(l.dir)
	return err
}

// A SocketSigner signs through a Lender's socket: the signer of a child
// process that was lent one.
type SocketSigner struct{ c *http.Client }

// NewSocketSigner returns the signer that asks the Lender listening at
// the unix socket path. Nothing is dialled yet.
func NewSocketSigner(path string) *SocketSigner {
	var d net.Dialer
	return &SocketSigner{&http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return d.DialContext(ctx, "unix", path)
	}}}}
}

// Sign asks the Lender to sign the manifest at digest; the Lender's own
// remote options reach the registry, so opts are ignored.
func (s *SocketSigner) Sign(ctx context.Context, digest name.Digest, _ ...remote.Option) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://mingo/sign", strings.NewReader(digest.String()))
	if err != nil {
		return err
	}
	resp, err := s.c.Do(req)
	if err != nil {
		return fmt.Errorf("asking mingo build to sign %s: %w", digest.DigestStr(), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return fmt.Errorf("mingo build did not sign %s: %s", digest.DigestStr(), strings.TrimSpace(string(b)))
	}
	return nil
}
