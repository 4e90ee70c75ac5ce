package gotool

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/mingo-build/mingo/platform"
)

// What reaches the go command is decided here, in one place: the flags
// mingo passes to `go build` (BuildFlags) and the environment it runs the
// go command in (Env). Host settings that would change the binary without
// showing in the recipe are refused (CheckEnv).

// targetDefaults are the Go defaults of the target variables a platform
// may leave unset. mingo sets every one of them explicitly: the go command
// reads an unset variable from the user's `go env -w` file, so a
// `go env -w GOAMD64=v3` would otherwise change a linux/amd64 binary.
var targetDefaults = map[string]string{
	"GOAMD64":   "v1",
	"GOARM64":   "v8.0",
	"GOARM":     "7",
	"GO386":     "sse2",
	"GOMIPS":    "hardfloat",
	"GOMIPS64":  "hardfloat",
	"GOPPC64":   "power8",
	"GORISCV64": "rva20u64",
}

// Env returns the host environment with every variable that selects a
// Go target or cgo removed, then CGO_ENABLED=0 and the platform's variables
// added (p may be nil: the host's target, still without cgo). A user's
// CGO_ENABLED=1 or GOAMD64=v3 must not leak into an image whose platform
// says otherwise. Every go command mingo runs gets this environment.
//
// Signing secrets and OIDC request tokens (Secrets) are removed too: the
// compiler never needs them, and a build can run a module's code (a
// toolchain download, a VCS helper). What fetching modules needs
// (GOPRIVATE, GONOSUMDB, netrc, git credentials) stays.
func Env(p *platform.Platform) []string {
	drop := append([]string{"CGO_ENABLED"}, platform.GoEnvVars...)
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if !slices.Contains(drop, k) && !slices.Contains(Secrets, k) {
			env = append(env, kv)
		}
	}
	return append(env, TargetEnv(p)...)
}

// ChildEnv is the environment of the other programs mingo runs (git):
// the host's without Secrets.
func ChildEnv() []string {
	return slices.DeleteFunc(os.Environ(), func(kv string) bool {
		k, _, _ := strings.Cut(kv, "=")
		return slices.Contains(Secrets, k)
	})
}

// Secrets are the variables of mingo's environment that only signing
// needs: the cosign key's passphrase and the OIDC tokens (and the URL
// that requests one) of keyless signing. No child process gets them.
var Secrets = []string{"COSIGN_PASSWORD", "SIGSTORE_ID_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_TOKEN", "ACTIONS_ID_TOKEN_REQUEST_URL"}

// TargetEnv is what Env sets: CGO_ENABLED=0 and, for a platform, every
// target variable, the platform's own values over Go's defaults, in a
// fixed order.
func TargetEnv(p *platform.Platform) []string {
	env := []string{"CGO_ENABLED=0"}
	if p == nil {
		return env
	}
	set := map[string]string{}
	for _, kv := range p.Env() {
		k, v, _ := strings.Cut(kv, "=")
		set[k] = v
	}
	for _, k := range []string{"GOOS", "GOARCH"} {
		env = append(env, k+"="+set[k])
	}
	for _, k := range platform.GoEnvVars {
		v, ok := set[k]
		if !ok {
			v, ok = targetDefaults[k]
		}
		if ok && k != "GOOS" && k != "GOARCH" {
			env = append(env, k+"="+v)
		}
	}
	return env
}

// BaseLDFlags strip the symbol table and DWARF: a third of a typical
// binary, and nothing a container needs at run time.
const BaseLDFlags = "-s -w"

// BuildFlags are the flags of every `go build` mingo runs, before the
// output and the packages. -buildvcs=false keeps git state out of the
// binary: with it, a clone with an untracked file, or a machine whose Go
// environment says otherwise, builds the same bytes. The revision is
// recorded instead as an annotation, in the SBOM and in the provenance.
func BuildFlags(ldflags string, tags []string, debug bool) []string {
	if debug {
		// For a debugger: no optimizations or inlining, symbols and DWARF
		// kept, as Delve needs them.
		args := []string{"-trimpath", "-buildvcs=false", "-gcflags=all=" + DebugGCFlags, "-ldflags=" + strings.TrimSpace(ldflags)}
		return append(args, TagFlags(tags)...)
	}
	ldflags = strings.TrimSpace(BaseLDFlags + " " + ldflags)
	args := []string{"-trimpath", "-buildvcs=false", "-ldflags=" + ldflags}
	return append(args, TagFlags(tags)...)
}

// DebugGCFlags turn off optimizations and inlining, for a debugger.
const DebugGCFlags = "-N -l"

// TagFlags is the -tags flag for tags, nil for none.
func TagFlags(tags []string) []string {
	if len(tags) == 0 {
		return nil
	}
	return []string{"-tags=" + strings.Join(tags, ",")}
}

// harmlessGoFlags are the GOFLAGS entries that cannot change a binary
// mingo builds: -trimpath and -buildvcs because mingo sets both on the
// command line, which wins over GOFLAGS; the rest change how the go
// command works, not what it writes.
var harmlessGoFlags = []string{"trimpath", "buildvcs", "modcacherw", "p", "a", "x", "v", "work"}

// EnvError is a host Go setting that would change the binary without
// showing in the recipe: a GOFLAGS entry other than the harmless ones, or
// GOEXPERIMENT or GOFIPS140. mingo refuses to build with it.
type EnvError struct {
	// Var is GOFLAGS, GOEXPERIMENT or GOFIPS140; Setting is the offending
	// GOFLAGS entry ("-tags=netgo"), or the variable's value.
	Var, Setting string
	// Flag is the GOFLAGS entry's name without dashes ("tags"), "" for
	// the other variables.
	Flag string
	// FromEnv is true when the value comes from the environment, false
	// when from the go command's configuration file (`go env -w`).
	FromEnv bool
}

func (e *EnvError) Error() string {
	from := "go env -w"
	if e.FromEnv {
		from = "the environment"
	}
	what := fmt.Sprintf("%s=%s", e.Var, e.Setting)
	if e.Flag != "" {
		what = fmt.Sprintf("%s in %s", e.Setting, e.Var)
	}
	return fmt.Sprintf("%s (from %s) would change the binary and is not part of the rebuild recipe", what, from)
}

// CheckEnv reads the go command's own view of GOFLAGS, GOEXPERIMENT and
// GOFIPS140 (the environment, else `go env -w`) in dir and refuses, with an
// *EnvError, any setting that would change the binary. It returns every
// value it read, GOVERSION, GOROOT and GOCACHEPROG too: one go command
// answers what the build needs to know.
func CheckEnv(ctx context.Context, dir string) (map[string]string, error) {
	vars := []string{"GOFLAGS", "GOEXPERIMENT", "GOFIPS140", "GOVERSION", "GOROOT", "GOCACHEPROG"}
	// Its memo's key holds all the go command reads (see memo.go).
	file := memoFile(ctx, dir, Env(nil), append([]string{"env"}, vars...)...)
	var vals map[string]string
	if ans, ok := recall(file); !ok || json.Unmarshal(ans, &vals) != nil {
		var err error
		if vals, err = GoEnv(ctx, dir, Env(nil), vars...); err != nil {
			return nil, err
		}
		remember(file, newMemo(vals, nil, nil, nil, time.Now()))
	}
	return vals, envPolicy(vals, func(k string) bool { return os.Getenv(k) != "" })
}

// envPolicy applies the policy to the go command's values; fromEnv says
// whether a variable is set in the environment.
func envPolicy(vals map[string]string, fromEnv func(string) bool) error {
	for _, f := range strings.Fields(vals["GOFLAGS"]) {
		name, _, _ := strings.Cut(strings.TrimLeft(f, "-"), "=")
		if !slices.Contains(harmlessGoFlags, name) {
			return &EnvError{Var: "GOFLAGS", Setting: f, Flag: name, FromEnv: fromEnv("GOFLAGS")}
		}
	}
	if v := vals["GOEXPERIMENT"]; v != "" {
		return &EnvError{Var: "GOEXPERIMENT", Setting: v, FromEnv: fromEnv("GOEXPERIMENT")}
	}
	if v := vals["GOFIPS140"]; v != "" && v != "off" {
		return &EnvError{Var: "GOFIPS140", Setting: v, FromEnv: fromEnv("GOFIPS140")}
	}
	return nil
}
