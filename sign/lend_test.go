package sign

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
)

// A Lender signs manifests of its repository for the SocketSigner, and
// nothing else.
func TestLend(t *testing.T) {
	ctx := context.Background()
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	dir := t.TempDir()
	if err := GenerateKeyPair(dir, []byte("pw")); err != nil {
		t.Fatal(err)
	}
	s, err := LoadKey(filepath.Join(dir, PrivateKeyFile), []byte("pw"))
	if err != nil {
		t.Fatal(err)
	}
	pub, err := LoadPublicKey(filepath.Join(dir, PublicKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	l, err := Lend(host+"/cache", s)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	signer := NewSocketSigner(l.Socket())
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

// A nil Lender lends nothing: no socket, and Close is a no-op.
func TestNilLender(t *testing.T) {
	var l *Lender
	if l.Socket() != "" || l.Close() != nil {
		t.Error("a nil Lender has a socket or fails to close")
	}
}
