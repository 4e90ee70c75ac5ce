// Package provenance writes SLSA v1 build provenance for mingo images: the
// predicate of an in-toto statement that records the source, the Go
// toolchain, the flags and each platform's digest.
package provenance

import (
	"encoding/json"
	"sort"
	"time"
)

// PredicateType is the in-toto predicate type of SLSA provenance v1.
const PredicateType = "https://slsa.dev/provenance/v1"

// BuildType names how mingo builds, so verifiers know how to read
// externalParameters.
const BuildType = "https://github.com/mingo-build/mingo/buildtypes/build/v1"

// Options describe one build.
type Options struct {
	// Package is the Go import path built; Module and Version its module.
	Package, Module, Version string
	// Repository and Revision are the VCS source, when known.
	Repository, Revision string
	// GoVersion is the toolchain, e.g. go1.26.8.
	GoVersion string
	// Recipe holds the build settings (mingo's rebuild recipe, JSON).
	Recipe json.RawMessage
	// Platforms maps "linux/arm64" to the platform image's digest.
	Platforms map[string]string
	// Builder identifies who ran the build, e.g. a CI workflow's URL, or
	// "mingo" for a local build.
	Builder string
	// Started is the build time recorded; SOURCE_DATE_EPOCH, so that the
	// same build gives the same provenance.
	Started time.Time
	// MingoVersion is mingo's own version.
	MingoVersion string
}

type descriptor struct {
	URI    string            `json:"uri,omitempty"`
	Name   string            `json:"name,omitempty"`
	Digest map[string]string `json:"digest,omitempty"`
}

// Predicate returns the SLSA v1 provenance predicate for o as JSON. Its
// bytes depend only on o.
func Predicate(o Options) ([]byte, error) {
	var deps []descriptor
	if o.Repository != "" || o.Revision != "" {
		d := descriptor{URI: o.Repository}
		if o.Revision != "" {
			d.Digest = map[string]string{"gitCommit": o.Revision}
		}
		deps = append(deps, d)
	}
	deps = append(deps, descriptor{Name: "go", URI: "pkg:golang/stdlib@" + o.GoVersion})
	var byproducts []descriptor
	plats := make([]string, 0, len(o.Platforms))
	for p := range o.Platforms {
		plats = append(plats, p)
	}
	sort.Strings(plats)
	for _, p := range plats {
		byproducts = append(byproducts, descriptor{Name: p, Digest: map[string]string{"sha256": trimAlgo(o.Platforms[p])}})
	}
	builder := o.Builder
	if builder == "" {
		builder = "https://github.com/mingo-build/mingo"
	}
	pred := map[string]any{
		"buildDefinition": map[string]any{
			"buildType": BuildType,
			"externalParameters": map[string]any{
				"package": o.Package,
				"module":  map[string]string{"path": o.Module, "version": o.Version},
				"recipe":  o.Recipe,
			},
			"internalParameters":   map[string]any{"goVersion": o.GoVersion},
			"resolvedDependencies": deps,
		},
		"runDetails": map[string]any{
			"builder":    map[string]any{"id": builder, "version": map[string]string{"mingo": o.MingoVersion}},
			"metadata":   map[string]any{"startedOn": o.Started.UTC().Format(time.RFC3339)},
			"byproducts": byproducts,
		},
	}
	return json.Marshal(pred) // map keys are sorted: deterministic
}

func trimAlgo(d string) string {
	if len(d) > 7 && d[:7] == "sha256:" {
		return d[7:]
	}
	return d
}
