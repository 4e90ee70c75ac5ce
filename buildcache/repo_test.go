package buildcache

import (
	"context"
	"errors"
	"io"
	"log"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

func TestRepoRecordLookupLast(t *testing.T) {
	ctx := context.Background()
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	repo, err := Open(host + "/team/cache")
	if err != nil {
		t.Fatal(err)
	}
	k1 := Key{Parts: map[string]string{"package": "example.com/app", "file example.com/app/main.go": "sha256:1"}}
	k2 := k1.With("file example.com/app/main.go", "sha256:2")
	if e, err := repo.Lookup(ctx, k1); e != nil || err != nil {
		t.Fatalf("Lookup in an empty repository = %v, %v; want a miss", e, err)
	}
	if p, err := repo.Last(ctx, "app linux/amd64"); p != nil || err != nil {
		t.Fatalf("Last in an empty repository = %v, %v", p, err)
	}
	layer, err := random.Layer(1024, "application/vnd.oci.image.layer.v1.tar+gzip")
	if err != nil {
		t.Fatal(err)
	}
	if err := repo.Record(ctx, k1, "app linux/amd64", layer); err != nil {
		t.Fatal(err)
	}
	e, err := repo.Lookup(ctx, k1)
	if err != nil || e == nil {
		t.Fatalf("Lookup after Record = %v, %v", e, err)
	}
	wantDigest, _ := layer.Digest()
	wantDiffID, _ := layer.DiffID()
	if e.Digest != wantDigest || e.DiffID != wantDiffID || e.Parts["file example.com/app/main.go"] != "sha256:1" {
		t.Fatalf("entry = %+v, want digest %s, diff ID %s and the key's parts", e, wantDigest, wantDiffID)
	}
	rc, err := e.Layer.Compressed()
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	want, _ := layer.Compressed()
	wantBytes, _ := io.ReadAll(want)
	if string(got) != string(wantBytes) {
		t.Fatal("the entry's layer is not the recorded one")
	}
	if e, err := repo.Lookup(ctx, k2); e != nil || err != nil {
		t.Fatalf("Lookup of another key = %v, %v; want a miss", e, err)
	}
	last, err := repo.Last(ctx, "app linux/amd64")
	if err != nil {
		t.Fatal(err)
	}
	if d := Diff(last, k2.Parts); len(d) != 1 || d[0] != "file example.com/app/main.go" {
		t.Fatalf("Diff against Last = %q", d)
	}
	// A tag that points at another key's entry is not trusted.
	src, _ := name.NewTag(host + "/team/cache:" + keyTag(k1.Hex()))
	dst, _ := name.NewTag(host + "/team/cache:" + keyTag(k2.Hex()))
	desc, err := remote.Get(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Put(dst, &rawManifest{desc.Manifest}); err != nil {
		t.Fatal(err)
	}
	if _, err := repo.Lookup(ctx, k2); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Lookup of a mislabelled entry: %v, want ErrCorrupt", err)
	}
}

func TestOpenRefusesNonRepository(t *testing.T) {
	if _, err := Open("Not A Repo"); !errors.Is(err, ErrInvalidRepo) {
		t.Fatalf("Open: %v, want ErrInvalidRepo", err)
	}
}
