// Command datafiles serves files that ship in the image next to the binary:
// an HTML template (static/templates/index.html, rendered at /) and static
// files (static/public, served under /static/). The directory is found
// relative to the working directory, so the image is built with the files
// added as a layer and the working directory set to their parent:
//
//	mingo build ./examples/datafiles -t registry.example.com/team/datafiles:v1 \
//	    --add ./examples/datafiles/static:/srv/static --workdir /srv
//	docker run --rm -p 8080:8080 registry.example.com/team/datafiles:v1
//	docker run --rm registry.example.com/team/datafiles:v1 -check
//
// -check lists the files found and exits: a quick way to see that --add and
// --workdir put them where the program looks. Locally: cd examples/datafiles
// && go run . (the default -dir is "static").
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3".
var version = "dev"

func main() {
	dir := flag.String("dir", envOr("STATIC_DIR", "static"), "`DIR` holding templates/ and public/, relative to the working directory (env STATIC_DIR)")
	port := flag.String("port", envOr("PORT", "8080"), "TCP `PORT` to listen on (env PORT)")
	check := flag.Bool("check", false, "list the files found under -dir and exit")
	flag.Parse()

	site, err := load(*dir)
	if err != nil {
		log.Fatalf("datafiles: %v", err)
	}
	if *check {
		fmt.Printf("%s/templates/index.html\n", site.dir)
		for _, f := range site.files {
			fmt.Printf("%s/public/%s\n", site.dir, f)
		}
		return
	}

	httpServer := &http.Server{Addr: ":" + *port, Handler: site.routes(), ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- httpServer.ListenAndServe() }()
	log.Printf("datafiles %s serving %s on :%s", version, site.dir, *port)
	select {
	case err := <-errc:
		log.Fatalf("datafiles: %v", err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := httpServer.Shutdown(shutdown); err != nil {
		log.Fatalf("datafiles: shutdown: %v", err)
	}
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

type site struct {
	dir   string // absolute
	page  *template.Template
	files []string // under public/, slash-separated, sorted
}

// load parses the template and lists the public files now, so that an image
// built without the files fails at start-up with a message that says why.
func load(dir string) (*site, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	page, err := template.ParseFiles(filepath.Join(abs, "templates", "index.html"))
	if err != nil {
		wd, _ := os.Getwd()
		return nil, fmt.Errorf("%w (working directory %s: build the image with --add LOCAL:/srv/static --workdir /srv, or give -dir)", err, wd)
	}
	var files []string
	public := os.DirFS(filepath.Join(abs, "public"))
	err = fs.WalkDir(public, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing public files: %w", err)
	}
	return &site{dir: abs, page: page, files: files}, nil
}

func (s *site) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(os.DirFS(filepath.Join(s.dir, "public")))))
	mux.HandleFunc("GET /{$}", s.handleIndex)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok\n") })
	return mux
}

func (s *site) handleIndex(w http.ResponseWriter, _ *http.Request) {
	var buf bytes.Buffer
	err := s.page.Execute(&buf, map[string]any{
		"Title":   "mingo datafiles example",
		"Dir":     s.dir,
		"Files":   s.files,
		"Version": version,
	})
	if err != nil {
		log.Printf("datafiles: rendering index.html: %v", err)
		http.Error(w, "cannot render the page", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	buf.WriteTo(w)
}
