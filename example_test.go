package mingo_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"fmt"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/mingo-build/mingo"
	"github.com/mingo-build/mingo/internal/build"
	"github.com/mingo-build/mingo/platform"
	"github.com/mingo-build/mingo/publish"
	"github.com/mingo-build/mingo/sign"
)

// Build a program for two platforms and push it, signed and with its SBOMs,
// to a registry (here go-containerregistry's in-memory one).
func Example() {
	host := inMemoryRegistry()
	ctx := context.Background()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	signer, _ := sign.NewSigner(key)
	plats, _ := platform.ParseList("linux/amd64,linux/arm64")

	imgs, err := mingo.Build(ctx, []mingo.Spec{{
		Packages: []string{"./examples/hello"},
		Tags:     []string{host + "/demo/hello:v1"},
		Settings: build.Settings{Platforms: plats, Base: build.BaseDistroless,
			Generated: build.Generated{CACerts: true, TZData: true, Passwd: true}},
	}}, mingo.WithSBOM())
	if err != nil {
		log.Fatal(err)
	}
	refs, err := mingo.Publish(ctx, imgs, &publish.Registry{Signer: signer})
	if err != nil {
		log.Fatal(err)
	}

	fmt.Println(strings.TrimPrefix(refs[0].Context().String(), host))
	for _, pi := range imgs[0].Images {
		fmt.Println(pi.Platform, "SBOM:", len(pi.SBOM) > 0)
	}
	sig, _ := name.NewTag(refs[0].Context().String() + ":" + strings.Replace(refs[0].Identifier(), ":", "-", 1) + ".sig")
	_, err = remote.Head(sig)
	fmt.Println("signed:", err == nil)
	// Output:
	// /demo/hello
	// linux/amd64 SBOM: true
	// linux/arm64 SBOM: true
	// signed: true
}

func inMemoryRegistry() string {
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	dir, _ := os.MkdirTemp("", "mingo-example-cache-")
	os.Setenv("MINGO_CACHE", dir) // a fresh cache, not the user's
	return strings.TrimPrefix(srv.URL, "http://")
}
