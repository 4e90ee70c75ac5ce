// Package sbom generates a deterministic SPDX 2.3 JSON software bill of
// materials for one platform image of a Go program.
//
// The document is derived only from the build information that the Go
// toolchain embeds in every module-aware binary (see [debug.BuildInfo]): the
// main module, every module dependency (after replacement) and the Go
// standard library. The same build information and [Options] always produce
// the same bytes: dependencies are sorted, JSON object keys come out in a
// fixed (sorted) order, no wall-clock time or randomness is used, and the
// document namespace is derived from a SHA-256 over the document's own
// canonical content.
package sbom

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"debug/buildinfo"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"runtime/debug"
	"slices"
	"strings"
	"time"
)

// MediaType is the media type of the documents produced by this package, for
// use as an OCI artifact or layer media type.
const MediaType = "application/spdx+json"

// SPDX document constants.
const (
	spdxVersion     = "SPDX-2.3"
	dataLicense     = "CC0-1.0"
	documentID      = "SPDXRef-DOCUMENT"
	noAssertion     = "NOASSERTION"
	namespacePrefix = "https://spdx.mingo.dev/"
	defaultTool     = "mingo"
	stdlibName      = "stdlib"
	develVersion    = "(devel)"
)

// Options describe the image the SBOM is about.
type Options struct {
	// Name is the document (image) name, for example
	// "registry.example.com/team/api" or the program's import path. When
	// empty, the main module path from the build info is used.
	Name string
	// Platform is the OCI platform of the image, for example "linux/arm64".
	// When empty, it is derived from the GOOS, GOARCH and GOARM build
	// settings, if present.
	Platform string
	// Created is the document creation time: SOURCE_DATE_EPOCH or the Unix
	// epoch, never the wall clock. It is written in UTC with one-second
	// precision; the zero Time means the Unix epoch.
	Created time.Time
	// Tool names the generating tool and its version, for example
	// "mingo-v0.3.0", which yields the creator "Tool: mingo-v0.3.0". When
	// empty, "mingo" is used.
	Tool string
	// Image, when set, is the digest ("sha256:...") of the image the
	// document is about. The document then describes the image as a
	// CONTAINER package that contains the program and Components.
	Image string
	// Components are the parts of the image that are not Go code, such as
	// layers of data files (needs Image).
	Components []Component
}

// Component is a part of an image that is not Go code: a CA bundle, a
// time-zone database, identity files.
type Component struct {
	// Name and Version identify it ("ca-certificates", a module version).
	Name, Version string
	// Source says where it came from (the SPDX sourceInfo).
	Source string
	// SHA256 is the hex SHA-256 of its contents: the diff ID of its layer.
	SHA256 string
	// PURL, when set, is its package URL.
	PURL string
	// Comment is free text, for example the layer's files.
	Comment string
	// License, when known, is its SPDX license expression (GPL-2.0-only).
	License string
}

// FromBinary reads the build info of the Go binary at path
// (debug/buildinfo.ReadFile) and returns the SPDX 2.3 JSON document.
//
// It fails with an error naming path when the file cannot be read or holds
// no Go build info (for example a file that is not a Go executable, or one
// built without module support).
func FromBinary(path string, o Options) ([]byte, error) {
	bi, err := buildinfo.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("sbom: no Go build info in %s (is it a Go binary built in module mode?): %w", path, err)
	}
	return FromBuildInfo(bi, o)
}

// FromBuildInfo does the same as [FromBinary] from an already-read
// *debug.BuildInfo (for tests, or when the caller has read it already).
// It does not modify bi.
func FromBuildInfo(bi *debug.BuildInfo, o Options) ([]byte, error) {
	if bi == nil {
		return nil, errors.New("sbom: nil build info")
	}
	doc, err := newDocument(bi, o)
	if err != nil {
		return nil, err
	}
	return encodeNamed(doc)
}

// encodeNamed sets doc's namespace and encodes it. The namespace is a
// digest of the canonical document with an empty namespace, so it changes
// exactly when the content changes.
func encodeNamed(doc *document) ([]byte, error) {
	canonical, err := encode(doc)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(canonical)
	doc.DocumentNamespace = namespace(doc.Name, doc.platform, hex.EncodeToString(sum[:]))
	return encode(doc)
}

// document is an SPDX 2.3 document. Fields are declared in the byte order of
// their JSON keys so that the encoded objects have sorted keys.
type document struct {
	SPDXID            string         `json:"SPDXID"`
	CreationInfo      creationInfo   `json:"creationInfo"`
	DataLicense       string         `json:"dataLicense"`
	DocumentNamespace string         `json:"documentNamespace"`
	Name              string         `json:"name"`
	Packages          []pkg          `json:"packages"`
	Relationships     []relationship `json:"relationships"`
	SPDXVersion       string         `json:"spdxVersion"`

	platform string // not encoded; used for the namespace
}

type creationInfo struct {
	Comment  string   `json:"comment,omitempty"`
	Created  string   `json:"created"`
	Creators []string `json:"creators"`
}

type pkg struct {
	SPDXID                string        `json:"SPDXID"`
	Checksums             []checksum    `json:"checksums,omitempty"`
	Comment               string        `json:"comment,omitempty"`
	CopyrightText         string        `json:"copyrightText"`
	DownloadLocation      string        `json:"downloadLocation"`
	ExternalRefs          []externalRef `json:"externalRefs,omitempty"`
	FilesAnalyzed         bool          `json:"filesAnalyzed"`
	LicenseConcluded      string        `json:"licenseConcluded"`
	LicenseDeclared       string        `json:"licenseDeclared"`
	Name                  string        `json:"name"`
	PrimaryPackagePurpose string        `json:"primaryPackagePurpose,omitempty"`
	SourceInfo            string        `json:"sourceInfo,omitempty"`
	VersionInfo           string        `json:"versionInfo,omitempty"`
}

type checksum struct {
	Algorithm     string `json:"algorithm"`
	ChecksumValue string `json:"checksumValue"`
}

type externalRef struct {
	ReferenceCategory string `json:"referenceCategory"`
	ReferenceLocator  string `json:"referenceLocator"`
	ReferenceType     string `json:"referenceType"`
}

type relationship struct {
	RelatedSPDXElement string `json:"relatedSpdxElement"`
	RelationshipType   string `json:"relationshipType"`
	SPDXElementID      string `json:"spdxElementId"`
}

// module is one Go module as it ends up in the binary.
type module struct {
	path, version, sum string
	comment            []string
}

// newDocument is the SPDX document of the program bi describes, in the
// image o describes.
func newDocument(bi *debug.BuildInfo, o Options) (*document, error) {
	main := mainModule(bi)
	o = o.withDefaults(bi, main.path)
	goVersion := bi.GoVersion
	if goVersion == "" {
		return nil, errors.New("sbom: build info has no Go version")
	}
	deps, err := dependencies(bi.Deps)
	if err != nil {
		return nil, err
	}
	if o.Image == "" && len(o.Components) > 0 {
		return nil, errors.New("sbom: components need the image digest")
	}
	ids := map[string]bool{documentID: true}
	pkgs := programPackages(bi, main, deps, ids)
	doc := &document{
		SPDXID: documentID,
		CreationInfo: creationInfo{
			Comment:  documentComment(o.Name, o.Platform),
			Created:  o.Created.UTC().Format("2006-01-02T15:04:05Z"),
			Creators: []string{"Tool: " + o.Tool},
		},
		DataLicense:   dataLicense,
		Name:          o.Name,
		SPDXVersion:   spdxVersion,
		Packages:      pkgs,
		Relationships: []relationship{{SPDXElementID: documentID, RelationshipType: "DESCRIBES", RelatedSPDXElement: pkgs[0].SPDXID}},
		platform:      o.Platform,
	}
	for _, p := range pkgs[1:] {
		doc.Relationships = append(doc.Relationships, relationship{SPDXElementID: pkgs[0].SPDXID, RelationshipType: "DEPENDS_ON", RelatedSPDXElement: p.SPDXID})
	}
	if o.Image != "" {
		doc.addImage(o.Name, o.Platform, o, ids)
	}
	return doc, nil
}

// withDefaults returns o with what is unset filled in: the name from the
// main module path, the platform from the build settings, the tool, and
// the Unix epoch as the creation time.
func (o Options) withDefaults(bi *debug.BuildInfo, mainPath string) Options {
	if o.Name == "" {
		o.Name = mainPath
	}
	if o.Platform == "" {
		o.Platform = platformFromSettings(bi.Settings)
	}
	if o.Tool == "" {
		o.Tool = defaultTool
	}
	if o.Created.IsZero() {
		o.Created = time.Unix(0, 0)
	}
	return o
}

// documentComment is the document's comment for the image name (of the
// platform, when known).
func documentComment(name, platform string) string {
	comment := "SBOM for the image " + name
	if platform != "" {
		comment += " (platform " + platform + ")"
	}
	return comment + ", generated from the Go build info of its binary."
}

// programPackages are the packages of the program: the main module (the
// APPLICATION) first, then its dependencies and the standard library.
func programPackages(bi *debug.BuildInfo, main module, deps []module, ids map[string]bool) []pkg {
	mainPkg := newPackage(main, ids)
	mainPkg.PrimaryPackagePurpose = "APPLICATION"
	if bi.Path != "" {
		mainPkg.SourceInfo = "built from Go main package " + bi.Path + " with " + bi.GoVersion
	}
	pkgs := []pkg{mainPkg}
	for _, d := range deps {
		p := newPackage(d, ids)
		p.PrimaryPackagePurpose = "LIBRARY"
		pkgs = append(pkgs, p)
	}
	std := newPackage(module{path: stdlibName, version: bi.GoVersion}, ids)
	std.PrimaryPackagePurpose = "LIBRARY"
	std.Comment = "The Go standard library and runtime linked into the binary."
	return append(pkgs, std)
}

// imageID is the SPDX identifier of the image package.
const imageID = "SPDXRef-Image"

// addImage adds the image as a CONTAINER package, which the document also
// describes, holding the program and every component.
func (doc *document) addImage(name, platform string, o Options, ids map[string]bool) {
	ids[imageID] = true
	img := containerPackage(imageID, name, platform, o.Image)
	doc.Packages = append(doc.Packages, img)
	doc.Relationships = append(doc.Relationships,
		relationship{SPDXElementID: documentID, RelationshipType: "DESCRIBES", RelatedSPDXElement: imageID},
		relationship{SPDXElementID: imageID, RelationshipType: "CONTAINS", RelatedSPDXElement: doc.Packages[0].SPDXID})
	for _, c := range sortedComponents(o.Components) {
		p := componentPackage(c, ids)
		doc.Packages = append(doc.Packages, p)
		doc.Relationships = append(doc.Relationships, relationship{SPDXElementID: imageID, RelationshipType: "CONTAINS", RelatedSPDXElement: p.SPDXID})
	}
}

func sortedComponents(cs []Component) []Component {
	out := slices.Clone(cs)
	slices.SortStableFunc(out, func(a, b Component) int { return cmp.Compare(a.Name, b.Name) })
	return out
}

// containerPackage is an image or index as an SPDX package: named by its
// repository, versioned and checksummed by its digest, with an OCI purl.
func containerPackage(id, name, platform, digest string) pkg {
	hexDigest := strings.TrimPrefix(digest, "sha256:")
	p := pkg{
		SPDXID:                id,
		Checksums:             []checksum{{Algorithm: "SHA256", ChecksumValue: hexDigest}},
		CopyrightText:         noAssertion,
		DownloadLocation:      noAssertion,
		ExternalRefs:          []externalRef{{ReferenceCategory: "PACKAGE-MANAGER", ReferenceType: "purl", ReferenceLocator: ociPURL(name, platform, digest)}},
		LicenseConcluded:      noAssertion,
		LicenseDeclared:       noAssertion,
		Name:                  name,
		PrimaryPackagePurpose: "CONTAINER",
		VersionInfo:           digest,
	}
	if platform != "" {
		p.Comment = "platform " + platform
	}
	return p
}

// ociPURL is "pkg:oci/NAME@DIGEST?arch=...&repository_url=..." as the purl
// specification defines it for OCI artifacts.
func ociPURL(name, platform, digest string) string {
	last := name[strings.LastIndex(name, "/")+1:]
	q := url.Values{}
	if _, arch, ok := strings.Cut(platform, "/"); ok {
		arch, _, _ = strings.Cut(arch, "/")
		q.Set("arch", arch)
	}
	if strings.Contains(name, "/") {
		q.Set("repository_url", strings.ToLower(name))
	}
	out := "pkg:oci/" + purlEscape(strings.ToLower(last)) + "@" + purlEscape(digest)
	if len(q) > 0 {
		out += "?" + q.Encode()
	}
	return out
}

// componentPackage is c as an SPDX package.
func componentPackage(c Component, ids map[string]bool) pkg {
	id := "SPDXRef-Component-" + sanitize(c.Name)
	for i := 2; ids[id]; i++ {
		id = fmt.Sprintf("SPDXRef-Component-%s-%d", sanitize(c.Name), i)
	}
	ids[id] = true
	p := pkg{
		SPDXID:                id,
		Comment:               c.Comment,
		CopyrightText:         noAssertion,
		DownloadLocation:      noAssertion,
		LicenseConcluded:      noAssertion,
		LicenseDeclared:       noAssertion,
		Name:                  c.Name,
		PrimaryPackagePurpose: "OTHER",
		SourceInfo:            c.Source,
		VersionInfo:           c.Version,
	}
	if c.SHA256 != "" {
		p.Checksums = []checksum{{Algorithm: "SHA256", ChecksumValue: c.SHA256}}
	}
	if c.License != "" {
		p.LicenseDeclared = c.License
	}
	if c.PURL != "" {
		p.ExternalRefs = []externalRef{{ReferenceCategory: "PACKAGE-MANAGER", ReferenceType: "purl", ReferenceLocator: c.PURL}}
	}
	return p
}

// mainModule returns the main module, with its build settings as comment.
func mainModule(bi *debug.BuildInfo) module {
	m := module{path: bi.Main.Path, version: bi.Main.Version, sum: bi.Main.Sum}
	if m.path == "" {
		// e.g. "go build file.go": no main module, only a package path.
		m.path = cmp.Or(bi.Path, "main")
	}
	if m.version == "" {
		m.version = develVersion
	}
	for _, s := range bi.Settings {
		m.comment = append(m.comment, s.Key+"="+s.Value)
	}
	if m.sum != "" {
		m.comment = append(m.comment, "sum="+m.sum)
	}
	return m
}

// dependencies resolves replacements and sorts the modules by path and
// version.
func dependencies(in []*debug.Module) ([]module, error) {
	out := make([]module, 0, len(in))
	for _, d := range in {
		if d == nil {
			continue
		}
		if d.Path == "" {
			return nil, errors.New("sbom: build info has a dependency without a module path")
		}
		m := module{path: d.Path, version: d.Version, sum: d.Sum}
		if r := d.Replace; r != nil {
			if r.Version == "" {
				// A local directory replacement: there is no module version
				// or checksum; keep the module path that the code imports.
				m = module{path: d.Path, version: develVersion}
				m.comment = append(m.comment, "replaced by local directory "+r.Path)
				if d.Version != "" {
					m.comment = append(m.comment, "replaces="+d.Path+"@"+d.Version)
				}
			} else {
				m = module{path: r.Path, version: r.Version, sum: r.Sum}
				m.comment = append(m.comment, "replaces="+d.Path+"@"+cmp.Or(d.Version, develVersion))
			}
		}
		if m.version == "" {
			m.version = develVersion
		}
		if m.sum != "" {
			m.comment = append([]string{"sum=" + m.sum}, m.comment...)
		}
		out = append(out, m)
	}
	slices.SortStableFunc(out, func(a, b module) int {
		return cmp.Or(cmp.Compare(a.path, b.path), cmp.Compare(a.version, b.version),
			cmp.Compare(a.sum, b.sum), slices.Compare(a.comment, b.comment))
	})
	return out, nil
}

// newPackage returns the SPDX package of m with an SPDXID not yet in ids,
// which it records there.
func newPackage(m module, ids map[string]bool) pkg {
	id := "SPDXRef-Package-" + sanitize(m.path) + "-" + sanitize(m.version)
	if ids[id] {
		// Different paths may sanitize alike ("a/b" and "a-b"): disambiguate
		// by content so the ID does not depend on the order of packages.
		h := sha256.Sum256([]byte(m.path + "@" + m.version + "\n" + m.sum + "\n" + strings.Join(m.comment, "\n")))
		base := id + "-" + hex.EncodeToString(h[:4])
		id = base
		for i := 2; ids[id]; i++ {
			id = fmt.Sprintf("%s-%d", base, i)
		}
	}
	ids[id] = true

	p := pkg{
		SPDXID:           id,
		Comment:          strings.Join(m.comment, "\n"),
		CopyrightText:    noAssertion,
		DownloadLocation: noAssertion,
		ExternalRefs: []externalRef{{
			ReferenceCategory: "PACKAGE-MANAGER",
			ReferenceType:     "purl",
			ReferenceLocator:  purl(m.path, m.version),
		}},
		FilesAnalyzed:    false,
		LicenseConcluded: noAssertion,
		LicenseDeclared:  noAssertion,
		Name:             m.path,
		VersionInfo:      m.version,
	}
	if v, ok := h1Hex(m.sum); ok {
		p.Checksums = []checksum{{Algorithm: "SHA256", ChecksumValue: v}}
	}
	return p
}

// h1Hex returns the lowercase hex of the SHA-256 digest in a go.sum "h1:"
// hash (the base64 SHA-256 of the module's file-hash summary).
func h1Hex(sum string) (string, bool) {
	b64, ok := strings.CutPrefix(sum, "h1:")
	if !ok {
		return "", false
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(raw) != sha256.Size {
		return "", false
	}
	return hex.EncodeToString(raw), true
}

// purl returns the package URL "pkg:golang/<path>@<version>", each path
// segment and the version percent-encoded as the purl specification
// requires.
func purl(path, version string) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		segs[i] = purlEscape(s)
	}
	return "pkg:golang/" + strings.Join(segs, "/") + "@" + purlEscape(version)
}

// purlEscape percent-encodes everything but the unreserved characters
// A-Z a-z 0-9 - . _ ~ (UTF-8 bytes, uppercase hex).
func purlEscape(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9',
			c == '-', c == '.', c == '_', c == '~':
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&0xf])
		}
	}
	return b.String()
}

// sanitize maps s to the characters allowed in an SPDX identifier,
// [A-Za-z0-9.-], replacing every other byte by '-'.
func sanitize(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '.' || c == '-') {
			b[i] = '-'
		}
	}
	return string(b)
}

// platformFromSettings derives "os/arch[/variant]" from the GOOS, GOARCH and
// GOARM build settings, or returns "".
func platformFromSettings(settings []debug.BuildSetting) string {
	var goos, goarch, goarm string
	for _, s := range settings {
		switch s.Key {
		case "GOOS":
			goos = s.Value
		case "GOARCH":
			goarch = s.Value
		case "GOARM":
			goarm = s.Value
		}
	}
	if goos == "" || goarch == "" {
		return ""
	}
	p := goos + "/" + goarch
	if goarch == "arm" && goarm != "" {
		// GOARM may carry a float mode, e.g. "7,softfloat".
		v, _, _ := strings.Cut(goarm, ",")
		p += "/v" + v
	}
	return p
}

// namespace returns the document namespace URI for the image name, platform
// and content digest. Each path segment is escaped so the result is a valid
// URI without a fragment.
func namespace(name, platform, digest string) string {
	var segs []string
	for _, part := range []string{name, platform} {
		for s := range strings.SplitSeq(part, "/") {
			if s != "" {
				segs = append(segs, url.PathEscape(s))
			}
		}
	}
	segs = append(segs, digest)
	return namespacePrefix + strings.Join(segs, "/")
}

// encode marshals doc as indented JSON with a trailing newline, without HTML
// escaping.
func encode(doc *document) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("sbom: encoding document: %w", err)
	}
	return buf.Bytes(), nil
}
