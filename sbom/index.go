package sbom

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// IndexOptions describe a multi-platform index and its images.
type IndexOptions struct {
	// Name is the document (index) name, as in Options.
	Name string
	// Digest is the index's digest ("sha256:...").
	Digest string
	// Created and Tool are as in Options.
	Created time.Time
	Tool    string
	// Images are the index's platform images, each with its SBOM as
	// FromBinary wrote it with Options.Image set.
	Images []IndexImage
}

// IndexImage is one platform image of an index.
type IndexImage struct {
	// Platform is "os/arch[/variant]"; Digest the image's digest.
	Platform, Digest string
	// SBOM is the image's own SPDX document.
	SBOM []byte
}

// indexID is the SPDX identifier of the index package.
const indexID = "SPDXRef-Index"

// ForIndex returns the SPDX 2.3 JSON document of an index: the index as a
// CONTAINER package that contains each platform image, each image with the
// packages and relationships of its own document, so that one document at
// the tag lists everything every platform carries. Element identifiers of
// an image's document get the platform as prefix, keeping them unique.
func ForIndex(o IndexOptions) ([]byte, error) {
	if o.Digest == "" || len(o.Images) == 0 {
		return nil, errors.New("sbom: an index SBOM needs the index digest and its images")
	}
	tool := o.Tool
	if tool == "" {
		tool = defaultTool
	}
	created := o.Created
	if created.IsZero() {
		created = time.Unix(0, 0)
	}
	doc := &document{
		SPDXID: documentID,
		CreationInfo: creationInfo{
			Comment:  "SBOM for the multi-platform index " + o.Name + " and each of its platform images.",
			Created:  created.UTC().Format("2006-01-02T15:04:05Z"),
			Creators: []string{"Tool: " + tool},
		},
		DataLicense: dataLicense,
		Name:        o.Name,
		SPDXVersion: spdxVersion,
		Packages:    []pkg{containerPackage(indexID, o.Name, "", o.Digest)},
		Relationships: []relationship{
			{SPDXElementID: documentID, RelationshipType: "DESCRIBES", RelatedSPDXElement: indexID},
		},
		platform: "index",
	}
	for _, im := range o.Images {
		if err := doc.addPlatform(o.Name, im); err != nil {
			return nil, err
		}
	}
	return encodeNamed(doc)
}

// addPlatform merges one platform image's document into the index's: its
// packages and relationships under prefixed identifiers, the image package
// contained in the index.
func (doc *document) addPlatform(name string, im IndexImage) error {
	var sub document
	if err := json.Unmarshal(im.SBOM, &sub); err != nil {
		return fmt.Errorf("sbom: reading the SBOM of %s: %w", im.Platform, err)
	}
	prefix := "SPDXRef-" + sanitize(strings.ReplaceAll(im.Platform, "/", "-")) + "-"
	rename := func(id string) string { return prefix + strings.TrimPrefix(id, "SPDXRef-") }
	image := ""
	for _, p := range sub.Packages {
		if p.SPDXID == imageID {
			image = rename(p.SPDXID)
		}
		p.SPDXID = rename(p.SPDXID)
		doc.Packages = append(doc.Packages, p)
	}
	if image == "" {
		// A document written without Options.Image: describe the image here.
		image = rename(imageID)
		doc.Packages = append(doc.Packages, containerPackage(image, name, im.Platform, im.Digest))
		for _, r := range sub.Relationships {
			if r.SPDXElementID == documentID && r.RelationshipType == "DESCRIBES" {
				sub.Relationships = append(sub.Relationships, relationship{SPDXElementID: imageID, RelationshipType: "CONTAINS", RelatedSPDXElement: r.RelatedSPDXElement})
			}
		}
	}
	doc.Relationships = append(doc.Relationships, relationship{SPDXElementID: indexID, RelationshipType: "CONTAINS", RelatedSPDXElement: image})
	for _, r := range sub.Relationships {
		if r.SPDXElementID == documentID {
			continue // the index document describes the index
		}
		doc.Relationships = append(doc.Relationships, relationship{SPDXElementID: rename(r.SPDXElementID), RelationshipType: r.RelationshipType, RelatedSPDXElement: rename(r.RelatedSPDXElement)})
	}
	return nil
}
