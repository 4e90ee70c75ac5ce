package harness

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
)

// Fault is what a FaultProxy does to the requests it picks.
type Fault struct {
	// Status, when not 0, is answered instead of forwarding.
	Status int
	// Drop closes the connection halfway through a blob upload's body.
	Drop bool
	// Stall holds the request forever (until the client gives up); with
	// Drop's selection (uploads only) after reading part of the body.
	Stall bool
	// Every picks every Every-th request (1: all of them); UploadsOnly
	// counts only requests that carry a blob (PATCH or PUT with a body).
	Every       int
	UploadsOnly bool
	// Limit, when not 0, stops injecting after that many faults: a burst
	// that retries can get past. (Every k-th request forever is
	// persistent for a blob upload, whose retry repeats its k requests.)
	Limit int
}

// FaultProxy is a plain-HTTP reverse proxy on loopback in front of a
// Registry that injects faults: error statuses, dropped connections,
// requests that never end. Clients reach it at Host with
// --insecure-registry and the credentials in DockerConfigDir.
type FaultProxy struct {
	Host            string
	DockerConfigDir string

	srv   *http.Server
	mu    sync.Mutex
	fault Fault
	seen  atomic.Int64
	// Injected counts the faults injected since the last SetFault.
	Injected atomic.Int64
}

// StartFaultProxy starts a proxy in front of reg, under dir.
func StartFaultProxy(dir string, reg *Registry) (*FaultProxy, error) {
	pool := x509.NewCertPool()
	if reg.CAFile != "" {
		pem, err := os.ReadFile(reg.CAFile)
		if err != nil {
			return nil, err
		}
		pool.AppendCertsFromPEM(pem)
	}
	scheme := "http"
	if reg.CAFile != "" {
		scheme = "https"
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &FaultProxy{Host: ln.Addr().String()}
	target := &url.URL{Scheme: scheme, Host: reg.Host}
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			r.Out.Host = reg.Host
		},
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}},
		ModifyResponse: func(resp *http.Response) error {
			// Upload URLs must come back through the proxy.
			if loc := resp.Header.Get("Location"); loc != "" {
				loc = strings.Replace(loc, scheme+"://"+reg.Host, "http://"+p.Host, 1)
				resp.Header.Set("Location", loc)
			}
			return nil
		},
	}
	p.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p.inject(w, r) {
			return
		}
		rp.ServeHTTP(w, r)
	})}
	go p.srv.Serve(ln)
	p.DockerConfigDir = filepath.Join(dir, "faultproxy-docker")
	if err := os.MkdirAll(p.DockerConfigDir, 0o700); err != nil {
		return nil, err
	}
	auth := base64.StdEncoding.EncodeToString([]byte(reg.User + ":" + reg.Password))
	cfg, _ := json.Marshal(map[string]any{"auths": map[string]any{p.Host: map[string]string{"auth": auth}}})
	if err := os.WriteFile(filepath.Join(p.DockerConfigDir, "config.json"), cfg, 0o600); err != nil {
		return nil, err
	}
	return p, nil
}

// SetFault replaces the fault injected from now on; the zero Fault
// forwards everything.
func (p *FaultProxy) SetFault(f Fault) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fault = f
	p.seen.Store(0)
	p.Injected.Store(0)
}

// inject applies the fault to r if it is picked, and reports whether it
// answered r.
func (p *FaultProxy) inject(w http.ResponseWriter, r *http.Request) bool {
	p.mu.Lock()
	f := p.fault
	p.mu.Unlock()
	if f.Every == 0 {
		return false
	}
	upload := (r.Method == http.MethodPatch || r.Method == http.MethodPut) && strings.Contains(r.URL.Path, "/blobs/uploads/") && r.ContentLength != 0
	if f.UploadsOnly && !upload {
		return false
	}
	if p.seen.Add(1)%int64(f.Every) != 0 {
		return false
	}
	if n := p.Injected.Add(1); f.Limit > 0 && n > int64(f.Limit) {
		p.Injected.Add(-1)
		return false
	}
	switch {
	case f.Status != 0:
		io.Copy(io.Discard, r.Body)
		http.Error(w, fmt.Sprintf(`{"errors":[{"code":"UNAVAILABLE","message":"injected %d"}]}`, f.Status), f.Status)
	case f.Drop || (f.Stall && upload):
		io.CopyN(io.Discard, r.Body, max(r.ContentLength/2, 1))
		if f.Stall {
			<-r.Context().Done()
			return true
		}
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
			}
		}
	case f.Stall:
		<-r.Context().Done()
	}
	return true
}

// Close stops the proxy.
func (p *FaultProxy) Close() error { return p.srv.Close() }
