// Package publish sends built images somewhere: a registry, a tarball for
// `docker load`, an OCI image layout, a directory of SBOMs. Every output is
// an Interface, so one build goes to any mix of them (Multi). Each output is
// all or nothing: tags are written only after everything they point at,
// files and directories appear only once complete.
package publish

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Interface is an output for built images.
type Interface interface {
	// Publish writes every image, all or nothing, and returns for each the
	// reference it has there; nil where the output has none (a file).
	Publish(ctx context.Context, images []*Image) ([]name.Reference, error)
	// Close releases what the output holds.
	Close() error
}

// Multi publishes to each output in turn, in the order given: put local
// files before a registry, so that a failing write pushes nothing. Its
// references are, for each image, the last output's that has one.
func Multi(outputs ...Interface) Interface { return multi(outputs) }

type multi []Interface

func (m multi) Publish(ctx context.Context, images []*Image) ([]name.Reference, error) {
	out := make([]name.Reference, len(images))
	for _, o := range m {
		refs, err := o.Publish(ctx, images)
		if err != nil {
			return nil, err
		}
		for i, r := range refs {
			if r != nil {
				out[i] = r
			}
		}
	}
	return out, nil
}

func (m multi) Close() error {
	var errs []error
	for _, o := range m {
		errs = append(errs, o.Close())
	}
	return errors.Join(errs...)
}

// TagError is a reference that cannot name an image to publish.
type TagError struct {
	Ref string
	Err error
}

func (e *TagError) Error() string { return fmt.Sprintf("invalid reference %q: %v", e.Ref, e.Err) }
func (e *TagError) Unwrap() error { return e.Err }

// Lowercase returns Ref with its registry and repository in lowercase
// (the tag keeps its case), when Ref has capitals there and would be
// valid without them: repository names are lowercase.
func (e *TagError) Lowercase() (string, bool) {
	repo, tag := e.Ref, ""
	if i := strings.LastIndex(e.Ref, ":"); i > strings.LastIndex(e.Ref, "/") {
		repo, tag = e.Ref[:i], e.Ref[i:]
	}
	lower := strings.ToLower(repo) + tag
	if lower == e.Ref {
		return "", false
	}
	_, err := name.NewTag(lower)
	return lower, err == nil
}

// ErrDigestTag is a digest given where a tag is expected.
var ErrDigestTag = errors.New("a digest names content, not a place to publish it")

// ErrBadTag is a tag the OCI distribution rules refuse.
var ErrBadTag = errors.New("a tag is 1 to 128 letters, digits, '_', '.' or '-', not starting with '.' or '-'")

// CheckPort refuses a registry host:port whose port is not a number from
// 1 to 65535: go-containerregistry takes 127.0.0.1:99999, and only the
// push would fail, after compiling.
func CheckPort(registry string) error {
	i := strings.LastIndex(registry, ":")
	if i < 0 || strings.HasSuffix(registry, "]") {
		return nil // no port; a bare IPv6 address
	}
	port := registry[i+1:]
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return fmt.Errorf("registry %s: port %s out of range 1-65535", registry, port)
	}
	return nil
}

// ValidTag reports whether tag (the part after the colon) follows the OCI
// distribution specification's grammar, [A-Za-z0-9_][A-Za-z0-9._-]{0,127}:
// a loop, as that regular expression's {0,127} cost every mingo process
// milliseconds at start.
func ValidTag(tag string) bool {
	if len(tag) == 0 || len(tag) > 128 || tag[0] == '.' || tag[0] == '-' {
		return false
	}
	for _, c := range []byte(tag) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

// ParseTags parses full registry/repository[:tag] references, as
// `docker build -t` takes them. A missing tag means "latest"; a digest is
// refused. insecure allows plain HTTP for their registries.
func ParseTags(refs []string, insecure bool) ([]name.Tag, error) {
	var opts []name.Option
	if insecure {
		opts = append(opts, name.Insecure)
	}
	tags := make([]name.Tag, 0, len(refs))
	for _, r := range refs {
		if strings.Contains(r, "@") {
			return nil, &TagError{Ref: r, Err: ErrDigestTag}
		}
		t, err := name.NewTag(r, opts...)
		if err != nil {
			return nil, &TagError{Ref: r, Err: err}
		}
		if err := CheckPort(t.RegistryStr()); err != nil {
			return nil, &TagError{Ref: r, Err: err}
		}
		if !ValidTag(t.TagStr()) {
			// ggcr checks the characters but not the first one: a registry
			// refuses "-bad" only at the last manifest PUT.
			return nil, &TagError{Ref: r, Err: ErrBadTag}
		}
		tags = append(tags, t)
	}
	return tags, nil
}

// LoadImage picks the image a classic `docker load` gets of res: the
// host's platform if it was built, the first one otherwise.
func LoadImage(res *Image) PlatformImage {
	for _, pi := range res.Images {
		if pi.Platform.OS == "linux" && pi.Platform.Arch == runtime.GOARCH {
			return pi
		}
	}
	return res.Images[0]
}

// item is one artifact to write locally, with the names it goes by and the
// one image a classic `docker load` gets for it.
type item struct {
	artifact Artifact
	tags     []name.Tag
	load     v1.Image
}

func items(images []*Image) []item {
	out := make([]item, len(images))
	for i, res := range images {
		out[i] = item{artifact: res.Artifact(), tags: res.Names, load: LoadImage(res).Image}
	}
	return out
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
