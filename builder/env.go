package builder

import (
	"os"
	"slices"
	"strings"

	"github.com/mingo-build/mingo/platform"
)

// buildEnv returns the host environment with every variable that selects a
// Go target or cgo removed, then CGO_ENABLED=0 and the platform's variables
// added (p may be nil: the host's target, still without cgo). A user's
// CGO_ENABLED=1 or GOAMD64=v3 must not leak into an image whose platform
// says otherwise.
func buildEnv(p *platform.Platform) []string {
	drop := append([]string{"CGO_ENABLED"}, platform.GoEnvVars...)
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if !slices.Contains(drop, k) {
			env = append(env, kv)
		}
	}
	env = append(env, "CGO_ENABLED=0")
	if p != nil {
		env = append(env, p.Env()...)
	}
	return env
}
