# shellcheck shell=bash
# mono.sh: the benchmarks' monorepo, sourced by bench.sh and cache.sh.

# make_mono DIR MOD: writes into DIR a module with MOD's go.mod, go.sum and
# tools.go, internal/shared (importing go-containerregistry's name, authn
# and remote, so linking is realistic) and 30 mains cmd/svc01..cmd/svc30
# that all import it.
make_mono() {
	local dir=$1 from=$2 i
	mkdir -p "$dir/internal/shared"
	cp "$from/go.mod" "$from/go.sum" "$from/tools.go" "$dir/"
	cat >"$dir/internal/shared/shared.go" <<'GO'
// Package shared is what every cmd/svcNN links: a few real dependencies, so
// linking is realistic.
package shared

import (
	"fmt"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Describe parses args[1] (default example.com/SVC:latest) as an image
// reference and, when args[2] is "fetch", looks its digest up.
func Describe(svc string, args []string) string {
	ref := "example.com/" + svc + ":latest"
	if len(args) > 1 {
		ref = args[1]
	}
	r, err := name.ParseReference(ref)
	if err != nil {
		return fmt.Sprintf("%s: %v", svc, err)
	}
	if len(args) > 2 && args[2] == "fetch" {
		d, err := remote.Head(r, remote.WithAuthFromKeychain(authn.DefaultKeychain))
		if err != nil {
			return fmt.Sprintf("%s: %v", svc, err)
		}
		return fmt.Sprintf("%s: %s@%s", svc, r.Context(), d.Digest)
	}
	return fmt.Sprintf("%s: %s on %s", svc, r.Context().RepositoryStr(), r.Context().RegistryStr())
}
GO
	for i in $(seq -w 1 30); do
		mkdir -p "$dir/cmd/svc$i"
		cat >"$dir/cmd/svc$i/main.go" <<GO
// Command svc$i prints what the shared package makes of its arguments.
package main

import (
	"fmt"
	"os"

	"example.com/bench/internal/shared"
)

func main() { fmt.Println(shared.Describe("svc$i", os.Args)) }
GO
	done
}
