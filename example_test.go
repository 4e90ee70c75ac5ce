package mingo_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/registry"

	"github.com/mingo-build/mingo"
)

// Build what a mingo.yaml describes, as `mingo build` does, and push it to
// a registry (here go-containerregistry's in-memory one).
func Example() {
	host := inMemoryRegistry()
	ctx := context.Background()
	file := writeFile("mingo.yaml", `repo: `+host+`/demo
images:
  - package: ./examples/hello
    platforms: [linux/amd64, linux/arm64]
    tags: [v1, latest]
    env: {GREETING: hello}
`)

	cfg, err := mingo.LoadConfig(ctx, file, mingo.Overlay{Push: true})
	if err != nil {
		log.Fatal(err)
	}
	imgs, err := mingo.Build(ctx, cfg.Specs, mingo.WithSBOM())
	if err != nil {
		log.Fatal(err)
	}
	refs, err := mingo.Push(ctx, imgs)
	if err != nil {
		log.Fatal(err)
	}

	fmt.Println(strings.TrimPrefix(refs[0].Context().String(), host))
	for _, pi := range imgs[0].Images {
		fmt.Println(pi.Platform, "SBOM:", len(pi.SBOM) > 0)
	}
	// Output:
	// /demo/hello
	// linux/amd64 SBOM: true
	// linux/arm64 SBOM: true
}

func inMemoryRegistry() string {
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	dir, _ := os.MkdirTemp("", "mingo-example-cache-")
	os.Setenv("MINGO_CACHE", dir) // a fresh cache, not the user's
	return strings.TrimPrefix(srv.URL, "http://")
}

func writeFile(name, text string) string {
	dir, _ := os.MkdirTemp("", "mingo-example-")
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		log.Fatal(err)
	}
	return path
}
