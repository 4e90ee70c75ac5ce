// Package buildcache shares compiled binaries between machines through a
// registry repository, so that a fresh CI runner compiles nothing that did
// not change.
//
// # The compile key
//
// Before a binary is compiled for a target, its compile key is computed:
// named parts, each one input of the binary, and a sha256 over all of them
// (Key.Hex). The key holds every input of the binary and only those:
//
//   - "env GOVERSION": the Go toolchain, as `go env` reports it in the
//     module with the build's environment, so after any GOTOOLCHAIN switch;
//     "env GOEXPERIMENT", "env GOFIPS140" and "env CGO_ENABLED";
//   - "env GOFLAGS": GOFLAGS from the environment or `go env -w` (as a
//     digest: it may hold secrets);
//   - the target: "env GOOS", "env GOARCH" and each variant variable
//     (GOARM, GOAMD64, GOARM64, GO386, GOMIPS, GOMIPS64, GOPPC64,
//     GORISCV64, GOWASM), defaults included;
//   - "flag NN NAME": each go build flag in order (mingo's fixed flags, the
//     ldflags, the build tags), its value as a digest;
//   - "package": the main package's import path;
//   - for every package `go list -deps` lists for that target, with the same
//     environment and flags: nothing for the standard library (the Go
//     version pins it); "module PATH" = PATH@VERSION (of the replacement, if
//     any) for a package in the module cache, whose content go.sum pins;
//     otherwise, for packages of the main module, a go.work workspace
//     module, a replace directory or vendor/, "file IMPORTPATH/NAME" = the
//     sha256 of every file the build reads: Go files, //go:embed files,
//     assembly and headers, .syso and other source files; and
//     "file MODULE/go.mod" of each such module;
//   - "file go.mod", "file go.sum", "file vendor/modules.txt" of the main
//     module and "file go.work", "file go.work.sum" of the workspace, when
//     present;
//   - "layer": how the binary is layered (format version, compression and
//     level, file path and mode, mtime from SOURCE_DATE_EPOCH), because the
//     entry stores the image's binary layer, not the bare binary.
//
// Files are named by import path, never by host path, and only content is
// hashed: file times, the checkout directory and the machine do not count.
// GOCACHEPROG, GOCACHE and other caches are not inputs and are not in it.
//
// # Storage
//
// An entry is a small OCI artifact in the cache repository, tagged
// mingo-<key hex> (70 characters): its one layer is the binary layer,
// exactly as the image holds it, and its config (media type ConfigMediaType)
// records the key's parts and the layer's diff ID. A second tag,
// mingo-last-<hash of the binary and target>, points at the entry recorded
// last for that binary and target, so that a miss can name the parts that
// changed. Tags are all it needs: any Distribution registry works, without
// the referrers API. Reading needs pull access only.
//
// # Trust
//
// Without more, whoever can write the repository decides what a hit is: a
// writer can point mingo-<key> at any layer, with a config that records
// the right key. A Repo made SignedBy a Signer pushes each entry's manifest
// by digest, signs it (a cosign signature in the tag
// sha256-<manifest digest>.sig), and only then tags it; one made Trusting
// a Verifier takes only entries whose manifest digest, as read, the
// Verifier accepts. The manifest pins the config, so the key, and the
// layer; a tag moved to another signed entry records another key and is
// refused as corrupt. Either way, an entry that is not trusted is a miss
// and a warning, never an error.
//
// # Use in a build
//
// A Client is one build's use of a Repo: Fetch looks a binary up and keeps
// a hit in the local layer cache, Record stores a miss, and every failure
// is a warning, never an error: after the first failure to reach the
// repository the client stops using it, and after a refused write it stops
// recording (Report says how many binaries went unrecorded). A Repo made
// ReadOnly records nothing. Record also remembers, in the local layer
// cache, the layer this machine built for the key; Fetch takes that one
// first, without asking the repository, so no entry there replaces what
// a machine built itself.
//
// # Go's build cache
//
// Package buildcache/gocache shares the go command's own cache (each
// compiled package, each test result) through a repository, as a
// GOCACHEPROG program; a build with a cache repository runs its go build
// commands with it, so a miss here compiles only the changed packages.
package buildcache
