package buildcache

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/mingo-build/mingo/internal/gotool"
	"github.com/mingo-build/mingo/internal/layers"
)

// Key is the compile key of one binary: named parts, each one input of the
// binary (see the package documentation). Its identity is the hash of the
// parts, so two keys are equal when every part is.
type Key struct {
	Parts map[string]string
}

// With returns a copy of k with one more part.
func (k Key) With(name, value string) Key {
	parts := maps.Clone(k.Parts)
	if parts == nil {
		parts = map[string]string{}
	}
	parts[name] = value
	return Key{Parts: parts}
}

// Hex is the key's sha256, in hex: the hash of every "name\x00value\n",
// sorted by name.
func (k Key) Hex() string {
	h := sha256.New()
	for _, name := range slices.Sorted(maps.Keys(k.Parts)) {
		fmt.Fprintf(h, "%s\x00%s\n", name, k.Parts[name])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Query says how a set of main packages is compiled for one target: where
// the go command runs, its environment and its build flags, exactly as
// `go build` gets them.
type Query struct {
	// Dir is where the go command runs; "" is the current directory.
	Dir string
	// Env is the go command's whole environment.
	Env []string
	// Flags are the go build flags, without -o and the packages.
	Flags []string
	// Packages are the main packages' import paths.
	Packages []string
}

// goEnvVars are the go command's settings that change what it compiles,
// besides the flags: the toolchain (after any GOTOOLCHAIN switch, as `go
// env` in the module reports it), experiments, GOFLAGS (from the
// environment or `go env -w`), and the target.
var goEnvVars = []string{
	"GOVERSION", "GOEXPERIMENT", "GOFLAGS", "GOFIPS140", "CGO_ENABLED",
	"GOOS", "GOARCH", "GO386", "GOAMD64", "GOARM", "GOARM64", "GOMIPS", "GOMIPS64",
	"GOPPC64", "GORISCV64", "GOWASM",
	"GOMOD", "GOWORK", "GOMODCACHE",
}

// Compute returns the compile key of each package of q, by import path. It
// asks the go command, with q's environment and flags, for its settings
// and for every package each binary depends on (`go list -deps`), and
// hashes what the build reads of them.
func Compute(ctx context.Context, q Query) (map[string]Key, error) {
	env, err := goEnv(ctx, q)
	if err != nil {
		return nil, err
	}
	common, err := commonParts(env, q.Flags)
	if err != nil {
		return nil, err
	}
	pkgs, err := listDeps(ctx, q)
	if err != nil {
		return nil, err
	}
	byPath := map[string]*gotool.ListedPackage{}
	for _, p := range pkgs {
		byPath[p.ImportPath] = p
	}
	h := &hasher{modCache: env["GOMODCACHE"], files: map[string]string{}}
	keys := map[string]Key{}
	for _, path := range q.Packages {
		main, ok := byPath[path]
		if !ok {
			return nil, fmt.Errorf("go list did not list %s", path)
		}
		parts := maps.Clone(common)
		parts["package"] = path
		for _, dep := range append([]string{path}, main.Deps...) {
			p, ok := byPath[dep]
			if !ok {
				return nil, fmt.Errorf("go list did not list %s, a dependency of %s", dep, path)
			}
			if err := h.addPackage(parts, p); err != nil {
				return nil, err
			}
		}
		keys[path] = Key{Parts: parts}
	}
	return keys, nil
}

// goEnv asks `go env` for goEnvVars, as q's go command sees them.
func goEnv(ctx context.Context, q Query) (map[string]string, error) {
	return gotool.GoEnv(ctx, q.Dir, q.Env, goEnvVars...)
}

// commonParts are the parts every binary of the query shares: the go
// command's settings, and the build flags. Values that may hold secrets
// (GOFLAGS, flag values such as -ldflags) are recorded as digests.
func commonParts(env map[string]string, flags []string) (map[string]string, error) {
	parts := map[string]string{}
	for _, v := range goEnvVars {
		switch v {
		case "GOMODCACHE", "GOMOD":
			// Host paths; what they point at is hashed below.
		case "GOWORK":
			if env[v] != "" && env[v] != "off" {
				d, err := fileDigest(env[v])
				if err != nil {
					return nil, err
				}
				parts["file go.work"] = d
				if d, err := fileDigest(strings.TrimSuffix(env[v], ".work") + ".work.sum"); err == nil {
					parts["file go.work.sum"] = d
				}
			}
		case "GOFLAGS":
			parts["env GOFLAGS"] = digest([]byte(env[v]))
		default:
			parts["env "+v] = env[v]
		}
	}
	for i, f := range flags {
		name, value, _ := strings.Cut(f, "=")
		parts[fmt.Sprintf("flag %02d %s", i, name)] = digest([]byte(value))
	}
	if gomod := env["GOMOD"]; gomod != "" && gomod != os.DevNull {
		for _, f := range []string{"go.mod", "go.sum", "vendor/modules.txt"} {
			d, err := fileDigest(filepath.Join(filepath.Dir(gomod), f))
			if errors.Is(err, os.ErrNotExist) && f != "go.mod" {
				continue
			}
			if err != nil {
				return nil, err
			}
			parts["file "+f] = d
		}
	}
	return parts, nil
}

// listDeps lists q's packages and every package they depend on, with
// q's flags: what the build reads.
func listDeps(ctx context.Context, q Query) ([]*gotool.ListedPackage, error) {
	args := append([]string{"-deps"}, q.Flags...)
	return gotool.List(ctx, q.Dir, q.Env, append(args, q.Packages...)...)
}

// hasher adds packages' parts to keys, reading each file once.
type hasher struct {
	modCache string
	files    map[string]string // host path -> digest
}

// addPackage adds what the build reads of p: nothing for the standard
// library (the Go version covers it), the module's path and version for a
// package from the module cache (go.sum, in the key, pins its content),
// and otherwise the content of each file, named by import path so that the
// checkout directory does not matter.
func (h *hasher) addPackage(parts map[string]string, p *gotool.ListedPackage) error {
	if p.Standard {
		return nil
	}
	if m := p.Module; m != nil && m.Version != "" && h.inModCache(p.Dir) {
		path, version := m.Path, m.Version
		if m.Replace != nil && m.Replace.Version != "" {
			path, version = m.Replace.Path, m.Replace.Version
		}
		parts["module "+m.Path] = path + "@" + version
		return nil
	}
	if m := p.Module; m != nil && m.GoMod != "" {
		d, err := h.file(m.GoMod)
		if err != nil {
			return err
		}
		parts["file "+m.Path+"/go.mod"] = d
	}
	for _, list := range [][]string{p.GoFiles, p.CgoFiles, p.SFiles, p.HFiles, p.SysoFiles, p.EmbedFiles, p.CFiles, p.CXXFiles, p.MFiles, p.FFiles, p.SwigFiles, p.SwigCXXFiles} {
		for _, f := range list {
			d, err := h.file(filepath.Join(p.Dir, f))
			if err != nil {
				return err
			}
			parts["file "+p.ImportPath+"/"+filepath.ToSlash(f)] = d
		}
	}
	return nil
}

func (h *hasher) inModCache(dir string) bool {
	return h.modCache != "" && strings.HasPrefix(dir, h.modCache+string(filepath.Separator))
}

func (h *hasher) file(path string) (string, error) {
	if d, ok := h.files[path]; ok {
		return d, nil
	}
	d, err := fileDigest(path)
	if err != nil {
		return "", err
	}
	h.files[path] = d
	return d, nil
}

// fileDigest is the digest of the file at path, "sha256:HEX".
func fileDigest(path string) (string, error) {
	sum, err := layers.FileSum(path)
	if err != nil {
		return "", err
	}
	return "sha256:" + sum, nil
}

func digest(b []byte) string {
	s := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(s[:])
}
