// Package mingo builds minimal container images for Go programs, with no
// Docker daemon and no Dockerfile, and publishes them to registries,
// tarballs and OCI layouts.
//
// LoadConfig turns a mingo.yaml, with a program's own settings over it
// (an Overlay), into the specs `mingo build` builds, every value checked
// once and located by file and line:
//
//	cfg, err := mingo.LoadConfig(ctx, "mingo.yaml", mingo.Overlay{Push: true})
//	imgs, err := mingo.Build(ctx, cfg.Specs, mingo.WithSBOM())
//	refs, err := mingo.Push(ctx, imgs)
//
// A build is two calls. Build resolves each Spec's package pattern,
// compiles every main package statically for every platform (one `go
// build` per platform for all packages that share build settings), checks
// each binary is static, and assembles one image per platform and an index.
// Publish sends the results to any mix of outputs (see package publish),
// in the order that keeps every guarantee: local files first, each all or
// nothing; then in each registry blobs and platform images by digest, SBOMs,
// signatures and attestations, and only then the tags.
//
//	plats, _ := platform.ParseList("linux/amd64,linux/arm64")
//	imgs, err := mingo.Build(ctx, []mingo.Spec{{
//		Packages:  []string{"./cmd/api"},
//		Tags:      []string{"registry.example.com/team/api:v1"},
//		Platforms: plats,
//		Base:      mingo.BaseScratch,
//	}}, mingo.WithSBOM())
//	refs, err := mingo.Publish(ctx, imgs, &publish.Registry{Signer: signer})
//
// Outputs names the outputs as mingo build's flags do (a tarball, SBOMs,
// an OCI layout, the local engine, the registries), and BuildAndPublish
// builds resolved targets and writes them in that order, checking every
// registry while it compiles.
//
// Run is everything mingo build does once its flags are parsed, as plain
// fields: where the images go (Place: the registry, local files, or the
// local engine when nothing names an output), signing, SBOMs, provenance,
// the cache repository's trust and Go's build cache through it. Its Check
// fails before any build what cannot work (an output, the engine, a key,
// the Sigstore instance Sign needs); its Build
// resolves, builds and publishes a Config's specs, and Summaries gives the
// --json document of each image (Summary). A program that sets a Run as
// the flags would gets the digests mingo build gets.
//
// WithCacheRepo shares compiled binaries between machines through a
// registry repository (see package buildcache): a fresh CI runner compiles
// only what changed.
//
// Errors carry facts (the registry, the status, the platform, the path) and
// wrap their causes; they name no command-line flag. The mingo command adds
// the advice.
package mingo
