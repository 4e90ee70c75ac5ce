package verify

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/mingo-build/mingo"
	"github.com/mingo-build/mingo/config"
	"github.com/mingo-build/mingo/publish"
)

// EngineScheme names an image in the container engine, as skopeo does:
// docker-daemon:NAME.
const EngineScheme = "docker-daemon:"

// ErrNoLayoutFile is a directory given as an image that holds no
// oci-layout file.
var ErrNoLayoutFile = errors.New("is a directory without an oci-layout file")

// ReferenceError is an image argument that names no file or directory
// here and is no registry reference either.
type ReferenceError struct {
	Arg string
	Err error
}

func (e *ReferenceError) Error() string {
	return fmt.Sprintf("%q: not a tarball or OCI layout here, nor a registry/repository:tag or @sha256:... reference: %v", e.Arg, e.Err)
}

func (e *ReferenceError) Unwrap() error { return e.Err }

// ParseSource tells apart the outputs of mingo build an argument names, in
// this order: EngineScheme+NAME or mingo.local/... (or ko.local/...), an
// image in the local engine (at DOCKER_HOST); FILE[:NAME], an existing
// file, a tarball; DIR[:NAME], a directory holding an oci-layout file, an
// OCI layout; anything else, a registry reference (insecure: plain HTTP
// allowed). NAME picks one image of a tarball or layout holding several.
//
// ref is the registry reference, nil for the other sources: the caller
// reaches its registry (credentials, an insecure transport) through
// WithRemote. A path-like argument (starting with / or ., or ending in
// .tar) that does not exist is an error wrapping os.ErrNotExist.
func ParseSource(arg string, insecure bool) (src Source, ref name.Reference, err error) {
	if n, ok := strings.CutPrefix(arg, EngineScheme); ok {
		return Engine(&publish.Daemon{}, n), nil, nil
	}
	if strings.HasPrefix(arg, mingo.LocalRegistry+"/") || strings.HasPrefix(arg, config.KoLocal+"/") {
		return Engine(&publish.Daemon{}, arg), nil, nil
	}
	path, imageName := splitLocal(arg)
	fi, err := os.Stat(path)
	switch {
	case err == nil && fi.Mode().IsRegular():
		return Tarball(path, imageName), nil, nil
	case err == nil && fi.IsDir():
		if _, err := os.Stat(filepath.Join(path, "oci-layout")); err != nil {
			return nil, nil, fmt.Errorf("%s %w", path, ErrNoLayoutFile)
		}
		return Layout(path, imageName), nil, nil
	case strings.HasPrefix(arg, "/") || strings.HasPrefix(arg, ".") || strings.HasSuffix(path, ".tar"):
		return nil, nil, fmt.Errorf("%s: %w", path, os.ErrNotExist)
	}
	var nameOpts []name.Option
	if insecure {
		nameOpts = append(nameOpts, name.Insecure)
	}
	if ref, err = name.ParseReference(arg, nameOpts...); err != nil {
		return nil, nil, &ReferenceError{Arg: arg, Err: err}
	}
	return Registry(ref), ref, nil
}

// splitLocal splits PATH:NAME at the first colon after which PATH exists
// (NAME may hold colons: registry:5000/api:v1); an arg that exists, or has
// no such colon, is all path (a missing path then ends at its last colon).
func splitLocal(arg string) (path, imageName string) {
	if _, err := os.Stat(arg); err == nil {
		return arg, ""
	}
	for i := range len(arg) {
		if arg[i] != ':' {
			continue
		}
		if _, err := os.Stat(arg[:i]); err == nil {
			return arg[:i], arg[i+1:]
		}
	}
	if i := strings.LastIndex(arg, ":"); i > 0 {
		return arg[:i], arg[i+1:]
	}
	return arg, ""
}
