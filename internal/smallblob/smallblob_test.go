package smallblob

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// serve pushes blob to an in-memory registry behind tamper, which may
// rewrite the blob's responses, and returns the repository and descriptor.
func serve(t *testing.T, blob string, tamper func(http.Handler) http.Handler) (name.Repository, v1.Descriptor) {
	t.Helper()
	srv := httptest.NewServer(tamper(registry.New()))
	t.Cleanup(srv.Close)
	repo, err := name.NewRepository(strings.TrimPrefix(srv.URL, "http://") + "/blobs")
	if err != nil {
		t.Fatal(err)
	}
	l := static.NewLayer([]byte(blob), types.OCIConfigJSON)
	if err := remote.WriteLayer(repo, l); err != nil {
		t.Fatal(err)
	}
	d, _ := l.Digest()
	return repo, v1.Descriptor{Digest: d, Size: int64(len(blob))}
}

func untouched(h http.Handler) http.Handler { return h }

func TestFetch(t *testing.T) {
	repo, d := serve(t, `{"a":1}`, untouched)
	b, err := Fetch(repo, d, 1024)
	if err != nil || string(b) != `{"a":1}` {
		t.Fatalf("Fetch = %q, %v; want the blob", b, err)
	}
}

func TestFetchRefusesLargeDescriptor(t *testing.T) {
	repo, d := serve(t, strings.Repeat("x", 100), untouched)
	if _, err := Fetch(repo, d, 99); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Fetch of a 100-byte blob with limit 99: %v, want ErrTooLarge", err)
	}
}

// A registry that sends more, or other, bytes than the descriptor says
// is caught by size and by digest.
func TestFetchRefusesWhatTheRegistryChanged(t *testing.T) {
	for name, body := range map[string]string{"longer": strings.Repeat("y", 64), "other": `{"a":2}`} {
		t.Run(name, func(t *testing.T) {
			repo, d := serve(t, `{"a":1}`, func(h http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/blobs/sha256:") {
						w.Write([]byte(body))
						return
					}
					h.ServeHTTP(w, r)
				})
			})
			// go-containerregistry checks the digest too, as it reads.
			if b, err := Fetch(repo, d, 32); err == nil || b != nil {
				t.Fatalf("Fetch of a tampered blob = %q, %v; want an error", b, err)
			}
		})
	}
}
