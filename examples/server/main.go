// Command server is an HTTP service that needs what a scratch image lacks and
// mingo's default distroless base provides: time zones (/usr/share/zoneinfo)
// and TLS roots (/etc/ssl/certs/ca-certificates.crt, with SSL_CERT_FILE set).
//
//	GET /healthz                      200 "ok"
//	GET /time?zone=Asia/Tokyo         the current time in that zone, as JSON
//	GET /upstream                     GET of -upstream over verified TLS, as JSON
//
// It makes no outgoing call at start-up; /upstream calls out only when asked
// and only to the URL the operator configured (never one from the request).
// It listens on -port (default $PORT, else 8080) and stops cleanly on SIGTERM.
//
//	mingo build ./examples/server -t registry.example.com/team/server:v1 \
//	    --ldflags "-X main.version=v1"
//	docker run --rm -p 8080:8080 registry.example.com/team/server:v1 -zone Europe/Paris
//	curl 'localhost:8080/time?zone=America/New_York'
//
// With --base scratch (and no --tzdata --ca-certs) the same image fails at
// start-up: "unknown time zone Europe/Paris".
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3".
var version = "dev"

func main() {
	port := flag.String("port", envOr("PORT", "8080"), "TCP `PORT` to listen on (env PORT)")
	zone := flag.String("zone", envOr("TZ_DEFAULT", "UTC"), "default time `ZONE` of /time, checked at start-up (env TZ_DEFAULT)")
	upstream := flag.String("upstream", os.Getenv("UPSTREAM_URL"), "https `URL` that /upstream fetches (env UPSTREAM_URL); none by default")
	flag.Parse()

	srv, err := newServer(*zone, *upstream)
	if err != nil {
		log.Fatalf("server: %v", err)
	}
	httpServer := &http.Server{
		Addr:              ":" + *port,
		Handler:           srv.routes(),
		ReadHeaderTimeout: 10 * time.Second,
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- httpServer.ListenAndServe() }()
	log.Printf("server %s listening on :%s (default zone %s)", version, *port, srv.zone)

	select {
	case err := <-errc:
		log.Fatalf("server: %v", err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := httpServer.Shutdown(shutdown); err != nil {
		log.Fatalf("server: shutdown: %v", err)
	}
	log.Print("server: stopped")
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

type server struct {
	zone     *time.Location
	upstream string
	client   *http.Client
	now      func() time.Time
}

// newServer loads the default zone now, so that an image without time zones
// fails at start-up rather than on the first request.
func newServer(zone, upstream string) (*server, error) {
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return nil, fmt.Errorf("default zone: %w (does the image have /usr/share/zoneinfo?)", err)
	}
	if upstream != "" {
		u, err := url.Parse(upstream)
		if err != nil || u.Scheme != "https" || u.Host == "" {
			return nil, fmt.Errorf("-upstream %q: want an https:// URL", upstream)
		}
	}
	return &server{
		zone:     loc,
		upstream: upstream,
		client:   &http.Client{Timeout: 10 * time.Second},
		now:      time.Now,
	}, nil
}

func (s *server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("GET /time", s.handleTime)
	mux.HandleFunc("GET /upstream", s.handleUpstream)
	return mux
}

func (s *server) handleTime(w http.ResponseWriter, r *http.Request) {
	loc := s.zone
	if z := r.URL.Query().Get("zone"); z != "" {
		var err error
		if loc, err = time.LoadLocation(z); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
	}
	t := s.now().In(loc)
	name, offset := t.Zone()
	writeJSON(w, http.StatusOK, map[string]any{
		"zone":           loc.String(),
		"abbreviation":   name,
		"offset_seconds": offset,
		"time":           t.Format(time.RFC3339),
		"version":        version,
	})
}

// handleUpstream fetches the configured URL and reports the verified
// certificate chain: this is what needs the image's TLS roots.
func (s *server) handleUpstream(w http.ResponseWriter, r *http.Request) {
	if s.upstream == "" {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no upstream configured: start with -upstream https://..."})
		return
	}
	req, err := http.NewRequestWithContext(r.Context(), http.MethodGet, s.upstream, nil)
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
		return
	}
	resp, err := s.client.Do(req)
	if err != nil {
		var unknown x509.UnknownAuthorityError
		msg := err.Error()
		if errors.As(err, &unknown) {
			msg += " (does the image have CA certificates?)"
		}
		writeJSON(w, http.StatusBadGateway, map[string]string{"error": msg})
		return
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	out := map[string]any{"url": s.upstream, "status": resp.StatusCode}
	if cs := resp.TLS; cs != nil {
		out["tls_version"] = tls.VersionName(cs.Version)
		if len(cs.VerifiedChains) > 0 {
			chain := cs.VerifiedChains[0]
			out["verified_by"] = chain[len(chain)-1].Subject.String()
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}
