// Package recipe is the rebuild recipe of an image: the inputs a rebuild
// needs that the image does not otherwise record. The build writes it as
// an annotation of the top manifest; `mingo verify` reads it back.
package recipe

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
)

// Annotation holds, on the top manifest (the index, or the image when one
// platform was built), the recipe as JSON.
const Annotation = "dev.mingo.recipe"

// Recipe is the rebuild recipe of an image. It holds no host paths and no
// value that may be secret: added files are named by where they went in
// the image, a CA bundle and the ldflags (which may hold a token set with
// -X) by their digests; a rebuild asks for those inputs again. Everything
// else that changes a digest is in it, or is the source tree and the Go
// release the rebuild uses.
type Recipe struct {
	Package string `json:"package"`
	// Version is the module version Package was built at, for an image
	// built from PKG@VERSION rather than from a checkout; "" otherwise.
	Version   string   `json:"version,omitempty"`
	GoVersion string   `json:"go"`
	Platforms []string `json:"platforms"`
	// LDFlags is the digest of the extra linker flags (see LDFlagsDigest),
	// "" when there were none.
	LDFlags   string   `json:"ldflags,omitempty"`
	BuildTags []string `json:"tags,omitempty"`
	// With are the import paths of the other binaries in the image, at
	// /usr/local/bin/<name>.
	With []string `json:"with,omitempty"`
	// Caps are the file capabilities of the binary.
	Caps     []string          `json:"capabilities,omitempty"`
	Base     string            `json:"base"`
	CACerts  bool              `json:"caCerts,omitempty"`
	CABundle string            `json:"caBundle,omitempty"`
	TZData   bool              `json:"tzdata,omitempty"`
	Passwd   bool              `json:"passwd,omitempty"`
	Adds     []string          `json:"adds,omitempty"`
	User     string            `json:"user,omitempty"`
	Env      []string          `json:"env,omitempty"`
	Labels   map[string]string `json:"labels,omitempty"`
	Annots   map[string]string `json:"annotations,omitempty"`
	WorkDir  string            `json:"workdir,omitempty"`
	Args     []string          `json:"args,omitempty"`
	// Compression is "zstd" or empty (gzip), so older recipes still read.
	Compression string `json:"compression,omitempty"`
	// Delve is set for a program built for Delve and run under it.
	Delve      bool     `json:"delve,omitempty"`
	Expose     []string `json:"expose,omitempty"`
	Volumes    []string `json:"volumes,omitempty"`
	StopSignal string   `json:"stopSignal,omitempty"`
	// Created is SOURCE_DATE_EPOCH, nil when it was unset; 0 is a time
	// like any other (it gives the image a created annotation).
	Created *int64 `json:"created,omitempty"`
	// ConfigCreated is the config's created time when Created is nil and
	// it is not the epoch: the commit time (see build.Settings).
	ConfigCreated *int64 `json:"configCreated,omitempty"`
	// KoData is the time of the files of the kodata layer (the main
	// package's kodata directory at /var/run/ko), nil when the image has
	// none.
	KoData *int64 `json:"kodata,omitempty"`
}

// LDFlagsDigest is what a recipe records of ldflags: "sha256:HEX" of the
// flags as given, or "" for none.
func LDFlagsDigest(ldflags string) string {
	if ldflags == "" {
		return ""
	}
	return fmt.Sprintf("sha256:%x", sha256.Sum256([]byte(ldflags)))
}

// Or0 is *p, or 0 when p is nil.
func Or0(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// Parse reads a recipe annotation.
func Parse(s string) (*Recipe, error) {
	var r Recipe
	if err := json.Unmarshal([]byte(s), &r); err != nil {
		return nil, fmt.Errorf("reading the %s annotation: %w", Annotation, err)
	}
	return &r, nil
}
