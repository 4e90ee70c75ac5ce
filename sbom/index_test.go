package sbom

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

const (
	imgDigest = "sha256:1111111111111111111111111111111111111111111111111111111111111111"
	armDigest = "sha256:2222222222222222222222222222222222222222222222222222222222222222"
	idxDigest = "sha256:3333333333333333333333333333333333333333333333333333333333333333"
	caSum     = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	tzSum     = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
)

func components() []Component {
	return []Component{
		{Name: "tzdata", Version: "2025b", Source: "lib/time/zoneinfo.zip of Go go1.26.0, IANA tzdata release 2025b", SHA256: tzSum},
		{Name: "ca-certificates", Version: "v0.0.0-20261030153154-30a33513ff6d", Source: "Mozilla roots from Go module golang.org/x/crypto/x509roots/fallback@v0.0.0-20261030153154-30a33513ff6d",
			SHA256: caSum, PURL: "pkg:golang/golang.org/x/crypto/x509roots/fallback@v0.0.0-20261030153154-30a33513ff6d"},
	}
}

func rels(d spdxDoc) []string {
	var out []string
	for _, r := range d.Relationships {
		out = append(out, r.SPDXElementID+" "+r.RelationshipType+" "+r.RelatedSPDXElement)
	}
	return out
}

// With the image digest, the document describes the image, which contains
// the program and each generated layer, with its version, source and
// content checksum; it still validates as SPDX 2.3.
func TestImageComponents(t *testing.T) {
	o := testOptions
	o.Name, o.Platform, o.Image, o.Components = "registry.example.com/team/api", "linux/amd64", imgDigest, components()
	out, err := FromBuildInfo(syntheticBuildInfo(), o)
	if err != nil {
		t.Fatal(err)
	}
	checkDocument(t, out)
	d := decode(t, out)
	img := d.pkg(t, "registry.example.com/team/api")
	if img.SPDXID != "SPDXRef-Image" || img.VersionInfo != imgDigest || img.sha256() != strings.TrimPrefix(imgDigest, "sha256:") ||
		img.purl() != "pkg:oci/api@sha256%3A"+strings.TrimPrefix(imgDigest, "sha256:")+"?arch=amd64&repository_url=registry.example.com%2Fteam%2Fapi" {
		t.Errorf("image package = %+v (purl %s)", img, img.purl())
	}
	ca, tz := d.pkg(t, "ca-certificates"), d.pkg(t, "tzdata")
	if ca.sha256() != caSum || ca.VersionInfo != "v0.0.0-20261030153154-30a33513ff6d" || !strings.HasPrefix(ca.purl(), "pkg:golang/golang.org/x/crypto/x509roots/fallback@") {
		t.Errorf("ca-certificates = %+v", ca)
	}
	if tz.sha256() != tzSum || tz.VersionInfo != "2025b" {
		t.Errorf("tzdata = %+v", tz)
	}
	got := rels(d)
	for _, want := range []string{
		"SPDXRef-DOCUMENT DESCRIBES SPDXRef-Image",
		"SPDXRef-Image CONTAINS " + d.Packages[0].SPDXID,
		"SPDXRef-Image CONTAINS " + ca.SPDXID,
		"SPDXRef-Image CONTAINS " + tz.SPDXID,
	} {
		if !slices.Contains(got, want) {
			t.Errorf("no relationship %q in %q", want, got)
		}
	}
	// The order components are given in does not reach the bytes.
	o.Components = []Component{o.Components[1], o.Components[0]}
	again, _ := FromBuildInfo(syntheticBuildInfo(), o)
	if !bytes.Equal(out, again) {
		t.Error("component order changed the document")
	}
	o.Image = ""
	if _, err := FromBuildInfo(syntheticBuildInfo(), o); err == nil {
		t.Error("components without an image digest: no error")
	}
}

// The index document describes the index, which contains each platform
// image by digest, each with every package of its own document.
func TestForIndex(t *testing.T) {
	o := testOptions
	o.Name, o.Components = "registry.example.com/team/api", components()
	var images []IndexImage
	for _, pd := range [][2]string{{"linux/amd64", imgDigest}, {"linux/arm64", armDigest}} {
		o.Platform, o.Image = pd[0], pd[1]
		doc, err := FromBuildInfo(syntheticBuildInfo(), o)
		if err != nil {
			t.Fatal(err)
		}
		images = append(images, IndexImage{Platform: pd[0], Digest: pd[1], SBOM: doc})
	}
	io := IndexOptions{Name: o.Name, Digest: idxDigest, Created: o.Created, Tool: o.Tool, Images: images}
	out, err := ForIndex(io)
	if err != nil {
		t.Fatal(err)
	}
	checkDocument(t, out)
	d := decode(t, out)
	var perPlatform int
	for _, im := range images {
		perPlatform += len(decode(t, im.SBOM).Packages)
	}
	if len(d.Packages) != 1+perPlatform {
		t.Errorf("%d packages, want the index and the %d of the platforms", len(d.Packages), perPlatform)
	}
	if d.Packages[0].SPDXID != "SPDXRef-Index" || d.Packages[0].VersionInfo != idxDigest {
		t.Errorf("index package = %+v", d.Packages[0])
	}
	got := rels(d)
	for _, want := range []string{
		"SPDXRef-DOCUMENT DESCRIBES SPDXRef-Index",
		"SPDXRef-Index CONTAINS SPDXRef-linux-amd64-Image",
		"SPDXRef-Index CONTAINS SPDXRef-linux-arm64-Image",
		"SPDXRef-linux-arm64-Image CONTAINS SPDXRef-linux-arm64-Component-tzdata",
	} {
		if !slices.Contains(got, want) {
			t.Errorf("no relationship %q in %q", want, got)
		}
	}
	var arm spdxPkg
	for _, p := range d.Packages {
		if p.SPDXID == "SPDXRef-linux-arm64-Image" {
			arm = p
		}
	}
	if arm.VersionInfo != armDigest {
		t.Errorf("arm64 image package = %+v", arm)
	}
	again, _ := ForIndex(io)
	if !bytes.Equal(out, again) {
		t.Error("ForIndex is not deterministic")
	}
	if _, err := ForIndex(IndexOptions{Name: o.Name, Digest: idxDigest}); err == nil {
		t.Error("an index without images: no error")
	}
}
