package publish

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// recorder is an in-memory registry that logs the requests it serves.
type recorder struct {
	mu   sync.Mutex
	log  []string
	next http.Handler
	// user and password, when set, are required as basic auth.
	user, password string
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if r.user != "" {
		u, p, ok := req.BasicAuth()
		if !ok || u != r.user || p != r.password {
			w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
			http.Error(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`, http.StatusUnauthorized)
			return
		}
	}
	r.mu.Lock()
	r.log = append(r.log, req.Method+" "+req.URL.Path)
	r.mu.Unlock()
	r.next.ServeHTTP(w, req)
}

func (r *recorder) requests() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.log...)
}

func newRegistry(t *testing.T) (*recorder, string) {
	t.Helper()
	rec := &recorder{next: registry.New(registry.Logger(nilLogger()))}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	return rec, strings.TrimPrefix(srv.URL, "http://")
}

func testIndex(t *testing.T) v1.ImageIndex {
	t.Helper()
	idx, err := random.Index(1024, 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	return idx
}

func tags(t *testing.T, refs ...string) []name.Tag {
	t.Helper()
	ts, err := ParseTags(refs, false)
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

func TestParseTags(t *testing.T) {
	ts := tags(t, "reg.example.com/team/api", "reg.example.com/team/api:v1")
	if ts[0].TagStr() != "latest" || ts[1].TagStr() != "v1" {
		t.Errorf("tags = %v", ts)
	}
	for _, bad := range []string{"reg.example.com/API:v1", "reg/api@sha256:" + strings.Repeat("a", 64), "reg/api:bad tag", "reg/api:-bad", "reg/api:.v1"} {
		if _, err := ParseTags([]string{bad}, false); err == nil || !strings.Contains(err.Error(), "invalid reference") {
			t.Errorf("ParseTags(%q) = %v", bad, err)
		}
	}
}

func TestPushTagsLast(t *testing.T) {
	rec, host := newRegistry(t)
	idx := testIndex(t)
	r := &Registry{Keychain: authn.NewMultiKeychain()}
	ts := tags(t, host+"/team/api:v1", host+"/team/api:latest", host+"/other/api:v1")
	ref, err := r.Push(context.Background(), idx, ts, nil)
	if err != nil {
		t.Fatal(err)
	}
	d, _ := idx.Digest()
	if want := host + "/team/api@" + d.String(); ref.String() != want {
		t.Errorf("Push returned %s, want %s", ref, want)
	}
	for _, tag := range ts {
		desc, err := remote.Head(tag)
		if err != nil {
			t.Fatalf("%s: %v", tag, err)
		}
		if desc.Digest != d {
			t.Errorf("%s points at %s, want %s", tag, desc.Digest, d)
		}
	}
	// Every tag write comes after every blob and by-digest manifest write.
	reqs := rec.requests()
	lastContent, firstTag := -1, len(reqs)
	for i, req := range reqs {
		isWrite := strings.HasPrefix(req, "PUT") || strings.HasPrefix(req, "POST") || strings.HasPrefix(req, "PATCH")
		switch {
		case isWrite && strings.Contains(req, "/manifests/") && !strings.Contains(req, "/manifests/sha256:"):
			firstTag = min(firstTag, i)
		case isWrite:
			lastContent = i
		}
	}
	if firstTag == len(reqs) || lastContent > firstTag {
		t.Errorf("a tag was written before the content it points at:\n%s", strings.Join(reqs, "\n"))
	}

	// Pushing again uploads no blob: the registry has them all.
	before := len(rec.requests())
	if _, err := r.Push(context.Background(), idx, ts[:1], nil); err != nil {
		t.Fatal(err)
	}
	for _, req := range rec.requests()[before:] {
		if strings.Contains(req, "/blobs/uploads") {
			t.Errorf("re-push uploaded a blob again: %s", req)
		}
	}
}

type staticKeychain struct{ user, password string }

func (k staticKeychain) Resolve(authn.Resource) (authn.Authenticator, error) {
	return &authn.Basic{Username: k.user, Password: k.password}, nil
}

func TestPushWrongCredentials(t *testing.T) {
	rec, host := newRegistry(t)
	rec.user, rec.password = "ci", "right-secret"
	ts := tags(t, host+"/team/api:v1")
	r := &Registry{Keychain: staticKeychain{"ci", "wrong-secret"}}
	for _, err := range []error{r.Check(context.Background(), ts), func() error { _, err := r.Push(context.Background(), testIndex(t), ts, nil); return err }()} {
		if err == nil || !strings.Contains(err.Error(), "rejected the credentials") || !strings.Contains(err.Error(), host) {
			t.Errorf("error = %v, want a credentials error naming %s", err, host)
			continue
		}
		if strings.Contains(err.Error(), "secret") || strings.Contains(err.Error(), "\n") {
			t.Errorf("error leaks credentials or spans lines: %q", err)
		}
	}
	for _, req := range rec.requests() {
		if strings.Contains(req, "/manifests/") {
			t.Errorf("a manifest was written with wrong credentials: %s", req)
		}
	}
	good := &Registry{Keychain: staticKeychain{"ci", "right-secret"}}
	if err := good.Check(context.Background(), ts); err != nil {
		t.Errorf("Check with the right credentials: %v", err)
	}
}

func TestPushUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	host := l.Addr().String()
	l.Close()
	r := &Registry{Keychain: authn.NewMultiKeychain()}
	err = r.Check(context.Background(), tags(t, host+"/team/api:v1"))
	if err == nil || !strings.Contains(err.Error(), "cannot reach registry "+host) {
		t.Errorf("Check(closed port) = %v", err)
	}
}

// readArchive returns the archive's files by name.
func readArchive(t *testing.T, path string) map[string][]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	files := map[string][]byte{}
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return files
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Uid != 0 || h.Gid != 0 || h.ModTime.Unix() != 0 {
			t.Errorf("%s: owner %d:%d, mtime %v", h.Name, h.Uid, h.Gid, h.ModTime)
		}
		b, _ := io.ReadAll(tr)
		files[h.Name] = b
	}
}

func TestTarball(t *testing.T) {
	idx := testIndex(t)
	im, _ := idx.IndexManifest()
	load, err := idx.Image(im.Manifests[1].Digest)
	if err != nil {
		t.Fatal(err)
	}
	ts := tags(t, "reg.example.com/team/api:v1", "reg.example.com/team/api:latest")
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.tar"), filepath.Join(dir, "b.tar")
	for _, p := range []string{a, b} {
		if err := writeTarballFile(context.Background(), p, []item{{artifact: idx, load: load, tags: ts}}); err != nil {
			t.Fatal(err)
		}
	}
	ab, _ := os.ReadFile(a)
	bb, _ := os.ReadFile(b)
	if !bytes.Equal(ab, bb) {
		t.Error("the same artifact gave two different tarballs")
	}
	files := readArchive(t, a)
	var manifest []struct {
		Config   string
		RepoTags []string
		Layers   []string
	}
	if err := json.Unmarshal(files["manifest.json"], &manifest); err != nil {
		t.Fatal(err)
	}
	cfg, _ := load.ConfigName()
	if len(manifest) != 1 || manifest[0].Config != "blobs/sha256/"+cfg.Hex || strings.Join(manifest[0].RepoTags, ",") != "reg.example.com/team/api:v1,reg.example.com/team/api:latest" || len(manifest[0].Layers) != 2 {
		t.Errorf("manifest.json = %s", files["manifest.json"])
	}
	for _, l := range manifest[0].Layers {
		if _, ok := files[l]; !ok {
			t.Errorf("manifest.json names %s, which is not in the archive", l)
		}
	}
	var index v1.IndexManifest
	if err := json.Unmarshal(files["index.json"], &index); err != nil {
		t.Fatal(err)
	}
	d, _ := idx.Digest()
	if len(index.Manifests) != 2 || index.Manifests[0].Digest != d || index.Manifests[1].Annotations[annotationRefName] != "latest" {
		t.Errorf("index.json = %s", files["index.json"])
	}
	// Every platform is in the archive, not only the one docker load gets.
	for _, m := range im.Manifests {
		if _, ok := files["blobs/sha256/"+m.Digest.Hex]; !ok {
			t.Errorf("platform manifest %s missing", m.Digest)
		}
	}
	if string(files["oci-layout"]) != ociLayoutFile {
		t.Errorf("oci-layout = %q", files["oci-layout"])
	}
}

// failingLayer stands for a blob that cannot be read halfway through a
// write: a disk error, a cache entry removed under us.
type failingLayer struct{ v1.Layer }

func (failingLayer) Compressed() (io.ReadCloser, error) { return nil, errors.New("disk on fire") }

func TestWriteTarballLeavesNothingOnFailure(t *testing.T) {
	img, err := random.Image(512, 1)
	if err != nil {
		t.Fatal(err)
	}
	l, _ := random.Layer(512, "application/vnd.oci.image.layer.v1.tar+gzip")
	bad, err := mutate.AppendLayers(img, failingLayer{l})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	err = writeTarballFile(context.Background(), filepath.Join(dir, "api.tar"), []item{{artifact: bad, load: bad, tags: tags(t, "reg/api:v1")}})
	if err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Fatalf("WriteTarball = %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("failure left files behind: %v", entries)
	}
	out := filepath.Join(dir, "out")
	if err := writeLayoutDir(context.Background(), out, []item{{artifact: bad, load: bad, tags: tags(t, "reg/api:v1")}}); err == nil {
		t.Fatal("WriteLayout of a broken image succeeded")
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("layout failure left files behind: %v", entries)
	}
}

func TestLayout(t *testing.T) {
	idx := testIndex(t)
	out := filepath.Join(t.TempDir(), "out")
	for range 2 { // the second write replaces the first layout
		if err := writeLayoutDir(context.Background(), out, []item{{artifact: idx, tags: tags(t, "reg/api:v1")}}); err != nil {
			t.Fatal(err)
		}
	}
	p, err := layout.FromPath(out)
	if err != nil {
		t.Fatal(err)
	}
	top, err := p.ImageIndex()
	if err != nil {
		t.Fatal(err)
	}
	im, _ := top.IndexManifest()
	d, _ := idx.Digest()
	if len(im.Manifests) != 1 || im.Manifests[0].Digest != d || im.Manifests[0].Annotations[annotationRefName] != "v1" {
		t.Fatalf("index.json: %+v", im)
	}
	child, err := top.ImageIndex(d)
	if err != nil {
		t.Fatal(err)
	}
	if cd, _ := child.Digest(); cd != d {
		t.Errorf("layout index digest %s, want %s", cd, d)
	}

	src := t.TempDir()
	os.WriteFile(filepath.Join(src, "main.go"), []byte("package main"), 0o644)
	err = writeLayoutDir(context.Background(), src, []item{{artifact: idx, tags: tags(t, "reg/api:v1")}})
	if err == nil || !strings.Contains(err.Error(), "not an OCI layout") {
		t.Errorf("WriteLayout over a source tree = %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(src, "main.go")); string(b) != "package main" {
		t.Error("WriteLayout touched a directory it refused")
	}
}

func TestAttach(t *testing.T) {
	_, host := newRegistry(t)
	img, err := random.Image(256, 1)
	if err != nil {
		t.Fatal(err)
	}
	r := &Registry{Keychain: authn.NewMultiKeychain()}
	ts := tags(t, host+"/team/api:v1")
	var attached v1.Hash
	_, err = r.Push(context.Background(), img, ts, func(ctx context.Context, repo name.Repository) error {
		d, _ := img.Digest()
		raw, _ := img.RawManifest()
		mt, _ := img.MediaType()
		attached, err = r.Attach(ctx, repo, v1.Descriptor{MediaType: mt, Digest: d, Size: int64(len(raw))}, "application/spdx+json", []byte(`{"spdxVersion":"SPDX-2.3"}`))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	d, _ := img.Digest()
	idx, err := remote.Referrers(ts[0].Context().Digest(d.String()))
	if err != nil {
		t.Fatal(err)
	}
	im, _ := idx.IndexManifest()
	if len(im.Manifests) != 1 || im.Manifests[0].Digest != attached || im.Manifests[0].ArtifactType != "application/spdx+json" {
		t.Fatalf("referrers = %+v, want the SBOM %s", im.Manifests, attached)
	}
	art, err := remote.Image(ts[0].Context().Digest(attached.String()))
	if err != nil {
		t.Fatal(err)
	}
	ls, _ := art.Layers()
	rc, _ := ls[0].Compressed()
	b, _ := io.ReadAll(rc)
	if string(b) != `{"spdxVersion":"SPDX-2.3"}` {
		t.Errorf("artifact content = %s", b)
	}
}

// With several images, each gets its own ref.name, not "latest" each.
func TestLayoutRefNames(t *testing.T) {
	one := []item{{tags: tags(t, "reg/team/api:v1", "reg/team/api:latest")}}
	if got := refNamer(one)(one[0].tags[1]); got != "latest" {
		t.Errorf("one image: ref.name %q, want the bare tag", got)
	}
	two := []item{{tags: tags(t, "reg/team/api:latest")}, {tags: tags(t, "reg/team/worker:latest")}}
	if a, b := refNamer(two)(two[0].tags[0]), refNamer(two)(two[1].tags[0]); a != "api:latest" || b != "worker:latest" {
		t.Errorf("two images: ref.names %q %q", a, b)
	}
	clash := []item{{tags: tags(t, "reg.example.com/a/api:v1")}, {tags: tags(t, "reg.example.com/b/api:v1")}}
	if a, b := refNamer(clash)(clash[0].tags[0]), refNamer(clash)(clash[1].tags[0]); a != "reg.example.com/a/api:v1" || b != "reg.example.com/b/api:v1" {
		t.Errorf("two images of one binary name: ref.names %q %q", a, b)
	}
}
