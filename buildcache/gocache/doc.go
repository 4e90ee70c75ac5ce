// Package gocache shares the go command's build cache (compiled packages,
// test results) through a registry repository: it is a GOCACHEPROG
// program's library.
//
//	GOCACHEPROG="mingo gocache --repo registry.example.com/team/gocache" go test ./...
//
// The go command starts the program and speaks the protocol of
// cmd/go/internal/cacheprog on its standard input and output; Serve
// answers it with a Store, normally a Cache.
//
// Run is the whole program, as mingo gocache runs it: it opens the
// registry tier a Config names (OpenRegistry), gives it the Config's trust
// and sign keys (or a sign.Lender's socket, when mingo build starts the
// program), opens the cache (OpenDefault) and serves it.
//
// # Tiers
//
// A Cache has two tiers. The local tier (Disk, in $MINGO_CACHE/gocache
// for the mingo command) answers first, so a warm machine does not go to
// the network; the go command reads outputs from files there (DiskPath).
// On a local miss, the go command's own cache directory (Options.GoDir,
// what it cached before it used GOCACHEPROG) is read, then the registry
// tier (Registry) is asked; a hit is copied or downloaded into the local
// tier, checked. A put is written to the local tier,
// answered, and uploaded in the background; the "close" request waits for
// the uploads.
//
// # Storage in the registry
//
// The go command names an output by its OutputID, the SHA-256 of its
// bytes, and looks it up by ActionID, a hash of everything that went into
// it. So:
//
//   - an output is a blob of the repository whose digest is
//     sha256:OUTPUTID: the registry itself checks, on upload, that the
//     bytes are what the ID says, and the same output of two actions is
//     stored once;
//   - an action entry is a small OCI manifest tagged gocache-ACTIONID (72
//     characters), with artifactType ArtifactType, the empty config, one
//     layer (media type OutputMediaType) that is the output's blob with its
//     size, and the time of the put in the annotation TimeAnnotation; an
//     output of at most InlineSize bytes (most of them: build IDs, test
//     results, small packages) is in the layer descriptor's data field too.
//
// Only the distribution API's manifests and blobs are used: no referrers
// API, no catalog, no tag listing. A lookup is one GET of the tag's
// manifest (a miss costs that one round trip); a hit of a small output is
// served from it, a larger one costs one more GET, of the blob. A put
// uploads the blob (unless the registry has it) and puts the manifest. Two machines putting the same action each write a complete
// entry; the last tag wins, and either is a right answer.
//
// # Never a wrong answer
//
// An output reaches the local tier only through a temporary file renamed
// into place once its bytes hash to its OutputID and have its size, so a
// file the go command reads always holds what the ID says. An entry that
// does not parse, names a blob the repository does not have, or whose
// blob does not match is a miss.
//
// # Never a broken build
//
// Registry failures are not errors: a lookup that fails (unreachable,
// slower than Options.LookupTimeout, denied) turns the registry tier off
// for the rest of the process; a failed upload (such as pull-only
// credentials) turns the uploads off. Either is one warning
// (Options.Warn), at most once per process; the go command gets misses and
// builds. With Options.ReadOnly nothing is ever written to the registry.
package gocache
