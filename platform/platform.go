// Package platform parses container platforms ("linux/arm/v7") and maps
// them to the Go toolchain's target settings (GOOS, GOARCH, GOARM, GOAMD64).
//
// It is a leaf package: every other mingo package may import it.
package platform

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Platform is one target: an OS, an architecture and an optional variant,
// spelled as in OCI image indexes ("linux", "arm", "v7").
type Platform struct {
	OS      string
	Arch    string
	Variant string
}

// Default is the platform list used when the user names none.
const Default = "linux/amd64,linux/arm64"

// String returns the os/arch[/variant] form.
func (p Platform) String() string {
	s := p.OS + "/" + p.Arch
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	return s
}

// OCI returns the platform as it appears in an image config and an index
// descriptor.
func (p Platform) OCI() v1.Platform {
	return v1.Platform{OS: p.OS, Architecture: p.Arch, Variant: p.Variant}
}

// Env returns the Go toolchain environment that builds for p. Only the
// variables that p implies are set; GoEnvVars lists every variable a caller
// must clear from an inherited environment so that no host setting leaks in.
func (p Platform) Env() []string {
	env := []string{"GOOS=" + p.OS, "GOARCH=" + p.Arch}
	if p.Variant == "" {
		return env
	}
	switch p.Arch {
	case "arm": // v7 -> GOARM=7
		env = append(env, "GOARM="+strings.TrimPrefix(p.Variant, "v"))
	case "amd64": // v3 -> GOAMD64=v3
		env = append(env, "GOAMD64="+p.Variant)
	case "arm64": // v8.2 -> GOARM64=v8.2; v9 -> GOARM64=v9.0
		v := p.Variant
		if !strings.Contains(v, ".") {
			v += ".0"
		}
		env = append(env, "GOARM64="+v)
	}
	return env
}

// GoEnvVars are the target-selecting variables of the Go toolchain. A build
// for a platform clears all of them before setting the ones Env returns.
var GoEnvVars = []string{"GOOS", "GOARCH", "GOARM", "GOARM64", "GOAMD64", "GO386", "GOMIPS", "GOMIPS64", "GOPPC64", "GORISCV64", "GOWASM"}

// goPorts are the GOOS/GOARCH pairs of `go tool dist list` that can run in a
// Linux or Windows container. mingo builds Linux images; windows is listed so
// that asking for it gives a precise error rather than "unknown".
var goPorts = map[string][]string{
	"linux":   {"386", "amd64", "arm", "arm64", "loong64", "mips", "mips64", "mips64le", "mipsle", "ppc64", "ppc64le", "riscv64", "s390x"},
	"windows": {"386", "amd64", "arm64"},
}

// variants lists the accepted variants per architecture; the first entry is
// the one an image records when the user gives none ("" means none).
var variants = map[string][]string{
	"arm":   {"v7", "v5", "v6"},
	"amd64": {"", "v1", "v2", "v3", "v4"},
	"arm64": {"", "v8", "v8.0", "v8.1", "v8.2", "v8.3", "v8.4", "v8.5", "v8.6", "v8.7", "v8.8", "v8.9", "v9", "v9.0", "v9.1", "v9.2", "v9.3", "v9.4", "v9.5"},
}

// Parse parses one platform, "os/arch" or "os/arch/variant". Variants are
// checked against what Go can target; linux/arm without a variant becomes
// linux/arm/v7, Go's default GOARM, so the image says what the binary needs.
func Parse(s string) (Platform, error) {
	parts := strings.Split(strings.TrimSpace(s), "/")
	if len(parts) < 2 || len(parts) > 3 || slices.Contains(parts, "") {
		return Platform{}, fmt.Errorf("invalid platform %q: want os/arch[/variant], for example linux/amd64 or linux/arm/v7", s)
	}
	p := Platform{OS: parts[0], Arch: parts[1]}
	if len(parts) == 3 {
		p.Variant = parts[2]
	}
	archs, ok := goPorts[p.OS]
	if !ok {
		return Platform{}, fmt.Errorf("unknown platform %q: mingo builds Linux images; use linux/ARCH, for example linux/amd64", s)
	}
	if !slices.Contains(archs, p.Arch) {
		return Platform{}, fmt.Errorf("unknown platform %q: Go cannot target %s/%s; valid: %s", s, p.OS, p.Arch, strings.Join(list(p.OS), ", "))
	}
	allowed := variants[p.Arch]
	switch {
	case p.Variant == "" && len(allowed) > 0:
		p.Variant = allowed[0]
	case p.Variant != "" && !slices.Contains(allowed, p.Variant):
		return Platform{}, fmt.Errorf("unknown variant %q in platform %q: %s", p.Variant, s, variantHint(p.Arch))
	}
	if p.Arch == "arm64" && p.Variant == "v8" {
		p.Variant = "" // plain arm64 is v8; registries and runtimes omit it
	}
	return p, nil
}

func variantHint(arch string) string {
	allowed := variants[arch]
	if len(allowed) == 0 {
		return fmt.Sprintf("%s takes no variant; drop it", arch)
	}
	var named []string
	for _, v := range allowed {
		if v != "" {
			named = append(named, v)
		}
	}
	return fmt.Sprintf("%s takes one of %s", arch, strings.Join(named, ", "))
}

// ParseList parses a comma-separated list of platforms. Duplicates (after
// normalisation) are errors, since they would give an index with two
// identical platforms.
func ParseList(s string) ([]Platform, error) {
	if strings.TrimSpace(s) == "" {
		return nil, fmt.Errorf("empty platform list: give os/arch[/variant] entries, for example %s", Default)
	}
	var out []Platform
	seen := map[Platform]bool{}
	for _, item := range strings.Split(s, ",") {
		if item == "" || strings.TrimSpace(item) != item {
			// Parse forgives spaces; a list with them is often a typo
			// ("a, b" in a shell) that should not silently work one way
			// here and another elsewhere.
			return nil, fmt.Errorf("invalid platform list %q: want os/arch[/variant] entries separated by commas, without spaces or empty entries", s)
		}
		p, err := Parse(item)
		if err != nil {
			return nil, err
		}
		if seen[p] {
			return nil, fmt.Errorf("platform %s is listed twice in %q", p, s)
		}
		seen[p] = true
		out = append(out, p)
	}
	return out, nil
}

// Matches reports whether p is the platform other describes, treating an
// absent variant as the architecture's default.
func (p Platform) Matches(os, arch, variant string) bool {
	q, err := Parse(strings.TrimSuffix(os+"/"+arch+"/"+variant, "/"))
	return err == nil && q == p
}

func list(os string) []string {
	var out []string
	for _, a := range goPorts[os] {
		out = append(out, os+"/"+a)
	}
	sort.Strings(out)
	return out
}

// All is the --platform value that means every platform the base offers.
const All = "all"

// CommonLinux returns the Linux targets Go supports that container runtimes
// commonly run: what --platform all means for the generated bases.
func CommonLinux() []Platform {
	var out []Platform
	for _, s := range []string{"linux/amd64", "linux/arm64", "linux/arm/v7", "linux/arm/v6", "linux/386", "linux/ppc64le", "linux/s390x", "linux/riscv64"} {
		p, _ := Parse(s)
		out = append(out, p)
	}
	return out
}
