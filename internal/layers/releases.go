package layers

import (
	"bufio"
	"cmp"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"runtime/debug"
	"strings"

	"golang.org/x/crypto/x509roots/fallback/bundle"
)

// FallbackModule is the module whose Mozilla roots the CA layer holds.
const FallbackModule = "golang.org/x/crypto/x509roots/fallback"

// mozillaRootsModule is the module path and version MozillaRoots comes
// from, "" when it cannot be told: FallbackModule's, or its replacement's
// (none when a directory replaces it).
func mozillaRootsModule() string {
	if d, ok := fallbackDep(); ok {
		if d.Version == "" || d.Version == "(devel)" {
			return ""
		}
		return d.Path + "@" + d.Version
	}
	if v := MozillaRootsVersion(); v != "" {
		return FallbackModule + "@" + v // from the source path, which names the module
	}
	return ""
}

// fallbackDep is FallbackModule as the build info records it, replaced
// if it is; ok is false when it records none (test binaries).
func fallbackDep() (*debug.Module, bool) {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return nil, false
	}
	for _, d := range bi.Deps {
		if d.Path == FallbackModule {
			return cmp.Or(d.Replace, d), true
		}
	}
	return nil, false
}

// MozillaRootsVersion returns the version of FallbackModule that the
// running program was built with, which is what MozillaRoots returns,
// or "" when neither the build info nor the source path records it.
func MozillaRootsVersion() string {
	if d, ok := fallbackDep(); ok {
		return d.Version
	}
	// Test binaries carry no dependencies in their build info, but the
	// compiled code knows its file: .../fallback@VERSION/bundle/bundle.go.
	fn := runtime.FuncForPC(reflect.ValueOf(bundle.Roots).Pointer())
	if fn == nil {
		return ""
	}
	file, _ := fn.FileLine(fn.Entry())
	_, rest, ok := strings.Cut(filepath.ToSlash(file), FallbackModule+"@")
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, "/")
	return v
}

var tzRelease = regexp.MustCompile(`^DATA=(\d{4}[a-z])\s*$`)

// TZDataRelease returns the IANA tzdata release (such as "2025b") that Go's
// zoneinfo.zip at zipPath was made from, as lib/time/update.bash next to
// it records it, or "" when Go does not say.
func TZDataRelease(zipPath string) string {
	f, err := os.Open(filepath.Join(filepath.Dir(zipPath), "update.bash"))
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if m := tzRelease.FindStringSubmatch(strings.TrimSpace(sc.Text())); m != nil {
			return m[1]
		}
	}
	return ""
}
