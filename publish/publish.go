// Package publish sends a built image or index somewhere: a registry, a
// tarball for `docker load`, or an OCI image layout. Each output is all or
// nothing: tags are written only after everything they point at, files and
// directories appear only once complete.
package publish

import (
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Artifact is an image (v1.Image) or an index (v1.ImageIndex).
type Artifact interface {
	Digest() (v1.Hash, error)
	RawManifest() ([]byte, error)
}

// Item is one artifact to write locally, with the names it goes by and the
// one image a classic `docker load` gets for it (its host platform).
type Item struct {
	Artifact Artifact
	Tags     []name.Tag
	Load     v1.Image
}

// ParseTags parses --tag values: full registry/repository[:tag]
// references, like `docker build -t`. A missing tag means "latest"; a
// digest is refused, since a digest names content rather than a place to
// publish it. insecure allows plain HTTP for their registries.
func ParseTags(refs []string, insecure bool) ([]name.Tag, error) {
	var opts []name.Option
	if insecure {
		opts = append(opts, name.Insecure)
	}
	tags := make([]name.Tag, 0, len(refs))
	for _, r := range refs {
		if strings.Contains(r, "@") {
			return nil, fmt.Errorf("invalid --tag %q: a digest cannot be a tag; use registry/repository:tag", r)
		}
		t, err := name.NewTag(r, opts...)
		if err != nil {
			return nil, fmt.Errorf("invalid --tag %q: want registry/repository[:tag], for example ghcr.io/acme/api:v1.2.0: %v", r, err)
		}
		tags = append(tags, t)
	}
	return tags, nil
}

// artifactKind tells whether a is an index or an image.
func artifactKind(a Artifact) (v1.ImageIndex, v1.Image, error) {
	switch t := a.(type) {
	case v1.ImageIndex:
		return t, nil, nil
	case v1.Image:
		return nil, t, nil
	}
	return nil, nil, fmt.Errorf("publish: %T is neither an image nor an index", a)
}
