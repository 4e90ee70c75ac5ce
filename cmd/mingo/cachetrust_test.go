package main

import (
	"context"
	"io"
	"log"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/mingo-build/mingo/sign"
)

// The sign service signs manifests of the cache repository for mingo
// gocache, and nothing else.
func TestSignService(t *testing.T) {
	ctx := context.Background()
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	dir := t.TempDir()
	if err := sign.GenerateKeyPair(dir, []byte("pw")); err != nil {
		t.Fatal(err)
	}
	s, err := sign.LoadKey(filepath.Join(dir, sign.PrivateKeyFile), []byte("pw"))
	if err != nil {
		t.Fatal(err)
	}
	pub, err := sign.LoadPublicKey(filepath.Join(dir, sign.PublicKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	svc, err := startSignService(host+"/cache", s, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer svc.close()
	signer := newSocketSigner(svc.socket())
	for _, repo := range []string{"cache", "other"} {
		img, _ := random.Image(64, 1)
		d, _ := img.Digest()
		ref, err := name.NewDigest(host + "/" + repo + "@" + d.String())
		if err != nil {
			t.Fatal(err)
		}
		if err := remote.Write(ref, img); err != nil {
			t.Fatal(err)
		}
		err = signer.Sign(ctx, ref)
		switch {
		case repo == "cache" && err != nil:
			t.Fatalf("signing an entry of the cache repository: %v", err)
		case repo == "cache":
			if err := pub.Verify(ctx, ref); err != nil {
				t.Errorf("the service's signature does not verify: %v", err)
			}
		case err == nil:
			t.Error("the service signed a manifest of another repository")
		}
	}
}
