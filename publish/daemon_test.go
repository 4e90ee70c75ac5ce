package publish

import (
	"archive/tar"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/mingo-build/mingo/platform"
)

// fakeEngine answers the part of the Docker Engine API Daemon uses, on a
// unix socket, and records what it was asked and sent.
type fakeEngine struct {
	mu       sync.Mutex
	calls    []string
	archive  map[string][]byte // the last loaded archive's files
	images   map[string]string // name -> image ID
	loadErr  string            // an error to report in the load stream
	snapshot bool              // report the containerd image store
}

func (e *fakeEngine) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.calls = append(e.calls, r.Method+" "+r.URL.Path)
	switch p := r.URL.Path; {
	case p == "/_ping":
		io.WriteString(w, "OK")
	case p == "/version":
		io.WriteString(w, `{"Os":"linux","Arch":"arm64"}`)
	case p == "/info":
		if e.snapshot {
			io.WriteString(w, `{"DriverStatus":[["driver-type","io.containerd.snapshotter.v1"]]}`)
		} else {
			io.WriteString(w, `{"DriverStatus":[["Backing Filesystem","extfs"]]}`)
		}
	case r.Method == http.MethodGet && strings.HasSuffix(p, "/json"):
		id, ok := e.images[strings.TrimSuffix(strings.TrimPrefix(p, "/images/"), "/json")]
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"message":"No such image"}`)
			return
		}
		json.NewEncoder(w).Encode(map[string]string{"Id": id})
	case p == "/images/load":
		e.archive = map[string][]byte{}
		tr := tar.NewReader(r.Body)
		for {
			h, err := tr.Next()
			if err != nil {
				break
			}
			b, _ := io.ReadAll(tr)
			e.archive[h.Name] = b
		}
		if e.loadErr != "" {
			io.WriteString(w, `{"errorDetail":{"message":"x"},"error":"`+e.loadErr+`"}`+"\n")
			return
		}
		io.WriteString(w, `{"stream":"Loaded image ID: sha256:..."}`+"\n")
	case r.Method == http.MethodPost && strings.HasSuffix(p, "/tag"):
		id := strings.TrimSuffix(strings.TrimPrefix(p, "/images/"), "/tag")
		e.images[r.URL.Query().Get("repo")+":"+r.URL.Query().Get("tag")] = id
	default:
		w.WriteHeader(http.StatusNotFound)
	}
}

func startEngine(t *testing.T, e http.Handler) string {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "engine.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: e}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return "unix://" + sock
}

// twoPlatforms is a result with amd64 and arm64 images under one name.
func twoPlatforms(t *testing.T) *Image {
	t.Helper()
	idx := testIndex(t)
	im, _ := idx.IndexManifest()
	res := &Image{ImportPath: "example.com/app", Binary: "app", Names: tags(t, "mingo.local/app:latest"), Index: idx}
	for i, arch := range []string{"amd64", "arm64"} {
		img, err := idx.Image(im.Manifests[i].Digest)
		if err != nil {
			t.Fatal(err)
		}
		res.Images = append(res.Images, PlatformImage{Platform: platform.Platform{OS: "linux", Arch: arch}, Image: img})
	}
	return res
}

// A classic store gets the engine's platform, untagged, then tagged; the
// other platform is reported; loading again sends nothing.
func TestDaemonLoadsEnginePlatform(t *testing.T) {
	e := &fakeEngine{images: map[string]string{}}
	d := &Daemon{Host: startEngine(t, e)}
	var skipped []string
	d.Skipped = func(_ *Image, loaded platform.Platform, s []platform.Platform) {
		skipped = append(skipped, loaded.String()+" skips "+s[0].String())
	}
	res := twoPlatforms(t)
	if _, err := d.Publish(context.Background(), []*Image{res}); err != nil {
		t.Fatal(err)
	}
	cfg, _ := res.Images[1].Image.ConfigName()
	var manifest []dockerEntry
	if err := json.Unmarshal(e.archive["manifest.json"], &manifest); err != nil || len(manifest) != 1 {
		t.Fatalf("manifest.json %s: %v", e.archive["manifest.json"], err)
	}
	if manifest[0].Config != "blobs/sha256/"+cfg.Hex || len(manifest[0].RepoTags) != 0 {
		t.Errorf("loaded %+v, want the arm64 config %s, untagged", manifest[0], cfg.Hex)
	}
	if _, ok := e.archive["index.json"]; ok {
		t.Error("a classic store got an OCI index: podman would prefer it to manifest.json")
	}
	if got := e.images["mingo.local/app:latest"]; got != cfg.String() {
		t.Errorf("tagged %q, want %s", got, cfg)
	}
	if strings.Join(skipped, ";") != "linux/arm64 skips linux/amd64" {
		t.Errorf("Skipped got %q", skipped)
	}
	e.calls = nil
	if _, err := d.Publish(context.Background(), []*Image{res}); err != nil {
		t.Fatal(err)
	}
	for _, c := range e.calls {
		if c == "POST /images/load" {
			t.Errorf("an image the engine holds was loaded again: %v", e.calls)
		}
	}
}

// The containerd store gets the whole index with its names.
func TestDaemonContainerdStoreGetsIndex(t *testing.T) {
	e := &fakeEngine{images: map[string]string{}, snapshot: true}
	d := &Daemon{Host: startEngine(t, e)}
	d.Skipped = func(*Image, platform.Platform, []platform.Platform) {
		t.Error("Skipped called for an engine that keeps every platform")
	}
	if _, err := d.Publish(context.Background(), []*Image{twoPlatforms(t)}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(e.archive["index.json"]), `"io.containerd.image.name":"mingo.local/app:latest"`) {
		t.Errorf("index.json = %s", e.archive["index.json"])
	}
}

// An engine that refuses the archive, and one that is not there: typed
// one-line errors naming the address, and no tag.
func TestDaemonErrors(t *testing.T) {
	e := &fakeEngine{images: map[string]string{}, loadErr: `archive/tar: invalid tar header\nmore`}
	host := startEngine(t, e)
	_, err := (&Daemon{Host: host}).Publish(context.Background(), []*Image{twoPlatforms(t)})
	var de *DaemonError
	if !errors.As(err, &de) || de.Problem != EngineRefused || de.Host != host || strings.Contains(err.Error(), "\n") {
		t.Errorf("refused load: %v", err)
	}
	if len(e.images) != 0 {
		t.Errorf("tags after a refused load: %v", e.images)
	}
	missing := "unix://" + filepath.Join(t.TempDir(), "none.sock")
	err = (&Daemon{Host: missing}).Check(context.Background())
	if !errors.As(err, &de) || de.Problem != EngineUnreachable || !strings.HasPrefix(err.Error(), "container engine at "+missing+": dial unix") {
		t.Errorf("missing socket: %v", err)
	}
	err = (&Daemon{Host: "ssh://host"}).Check(context.Background())
	if !errors.Is(err, ErrDaemonHost) {
		t.Errorf("ssh host: %v", err)
	}
	t.Setenv("DOCKER_HOST", "")
	if a := (&Daemon{}).Address(); a != DefaultDaemonHost {
		t.Errorf("Address() = %s", a)
	}
}

// Platform is the engine's own, from /version.
func TestDaemonPlatform(t *testing.T) {
	d := &Daemon{Host: startEngine(t, &fakeEngine{images: map[string]string{}})}
	p, err := d.Platform(context.Background())
	if err != nil || p.String() != "linux/arm64" {
		t.Errorf("Platform = %v, %v; want linux/arm64", p, err)
	}
}
