package mingo

import (
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/mingo-build/mingo/internal/build"
	"github.com/mingo-build/mingo/publish"
)

// ErrTagsForMany is full tags given for a pattern that names several
// packages: a tag names one image.
var ErrTagsForMany = errors.New("full tags name one image, and the pattern names several packages")

// ErrNotBareTag is a tag that is not bare where a repository is given.
var ErrNotBareTag = errors.New("with a repository, tags are bare (v1.2.0)")

// names returns where pkg's image is pushed and what it is called locally.
func (s Spec) names(pkg *build.Package, many bool) (tags, names []name.Tag, err error) {
	refs := s.Tags
	if s.Repo != "" {
		if len(refs) == 0 {
			refs = []string{"latest"}
		}
		full := make([]string, len(refs))
		for i, t := range refs {
			if !publish.ValidTag(t) {
				return nil, nil, fmt.Errorf("tag %q: %w", t, ErrNotBareTag)
			}
			full[i] = s.repository(pkg) + ":" + t
		}
		refs = full
	} else if many && len(refs) > 0 {
		return nil, nil, fmt.Errorf("%s: %w", strings.Join(s.patterns(), " "), ErrTagsForMany)
	}
	if tags, err = publish.ParseTags(refs, s.Insecure); err != nil {
		return nil, nil, err
	}
	if len(tags) > 0 {
		return tags, tags, nil
	}
	local, err := name.NewTag(LocalRegistry + "/" + pkg.Name + ":latest")
	if err != nil {
		return nil, nil, fmt.Errorf("naming %s: %w", pkg.ImportPath, err)
	}
	return nil, []name.Tag{local}, nil
}

// repository is the repository of pkg's image under Repo, by Naming.
func (s Spec) repository(pkg *build.Package) string {
	repo := strings.TrimSuffix(s.Repo, "/")
	switch s.Naming {
	case NameBare:
		return repo
	case NameImportPath:
		return repo + "/" + strings.ToLower(pkg.ImportPath)
	case NameHashed:
		return repo + "/" + hashedName(pkg.ImportPath)
	}
	return repo + "/" + pkg.Name
}

// hashedName is ko's default image name for importPath: its last element
// and the hex MD5 of the whole path, both lowercased first as ko does.
// MD5 only keeps the names ko gives; nothing relies on it for security.
func hashedName(importPath string) string {
	p := strings.ToLower(importPath)
	sum := md5.Sum([]byte(p))
	return path.Base(p) + "-" + hex.EncodeToString(sum[:])
}

// NameClashError is two packages whose images would have the same name.
type NameClashError struct {
	Name     string
	Packages [2]string
}

func (e *NameClashError) Error() string {
	return fmt.Sprintf("%s and %s would both be %s", e.Packages[0], e.Packages[1], e.Name)
}

// distinctNames refuses two packages under one name: they would overwrite
// each other's tags.
func distinctNames(targets []Target) error {
	byName := map[string]string{}
	for _, t := range targets {
		for _, tag := range t.Names {
			if other, dup := byName[tag.String()]; dup && other != t.ImportPath {
				return &NameClashError{Name: tag.String(), Packages: [2]string{other, t.ImportPath}}
			}
			byName[tag.String()] = t.ImportPath
		}
	}
	return nil
}
