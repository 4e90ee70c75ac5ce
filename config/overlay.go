package config

import (
	"fmt"
	"reflect"
)

// Overlay is what a front end sets over a config file, or in place of one:
// the command line of mingo build, or a program's own settings. Every value
// it sets wins over the file's.
type Overlay struct {
	// Packages, when set, are the packages to build, as one image with the
	// settings of Image: no file is read.
	Packages []string
	// Repo and CacheRepo replace the file's top-level repo and cache-repo.
	Repo, CacheRepo Located[string]
	// CacheSignKey, CacheTrustKey and CacheRepoReadOnly replace the
	// file's cache-sign-key, cache-trust-key and cache-repo-read-only.
	CacheSignKey, CacheTrustKey Located[string]
	CacheRepoReadOnly           Located[bool]
	// CacheSignKeyless replaces the file's cache-sign-keyless.
	CacheSignKeyless Located[bool]
	// CacheTrustIdentity, CacheTrustIssuer and CacheTrustRoot replace the
	// file's cache-trust-identity, cache-trust-issuer and
	// cache-trust-root.
	CacheTrustIdentity, CacheTrustIssuer, CacheTrustRoot Located[string]
	// DefaultRepo stands for Repo when neither Repo nor the file's repo
	// is set: ko's KO_DOCKER_REPO. Tags are then bare tags.
	DefaultRepo Located[string]
	// DefaultPlatforms stand for the platforms when neither the overlay's
	// Image nor the file sets them (nor KO_DEFAULTPLATFORMS): the local
	// engine's platform, for a build it loads.
	DefaultPlatforms []string
	// Image holds the image settings set over every image of the file
	// (its Package and Repository are ignored). Map values merge: the
	// file's entries, then the overlay's, which win.
	Image Image
	// Insecure allows plain HTTP or unverified TLS for the registries the
	// images are pushed to.
	Insecure bool
	// Push says the images are pushed, so each needs a registry name.
	Push bool
	// Naming is how a repo names each image (see mingo.Spec.Naming): ""
	// (repo/<binary>), "bare" (repo itself), "import-path" or "hashed".
	// Unset, images under DefaultRepo are named as ko names them under
	// KO_DOCKER_REPO: "hashed".
	Naming Located[string]
}

// Set returns a Located value that an overlay sets: it has no line, since
// it comes from no file.
func Set[T any](v T) Located[T] { return Located[T]{V: v, Set: true} }

// Merge returns im with every value that over sets replacing its own;
// maps merge, over's entries winning. Line numbers follow the values, so
// an error about a merged value points at the file only when the value
// came from it.
func Merge(im, over Image) Image {
	dst := reflect.ValueOf(&im).Elem()
	src := reflect.ValueOf(over)
	for i := range dst.NumField() {
		d, s := dst.Field(i), src.Field(i)
		if d.Kind() != reflect.Struct || !s.FieldByName("Set").Bool() {
			continue // Line, or a value the overlay leaves alone
		}
		if v := d.FieldByName("V"); v.Kind() == reflect.Map && d.FieldByName("Set").Bool() {
			merged := reflect.MakeMap(v.Type())
			for _, m := range []reflect.Value{v, s.FieldByName("V")} {
				for it := m.MapRange(); it.Next(); {
					merged.SetMapIndex(it.Key(), it.Value())
				}
			}
			v.Set(merged)
			continue
		}
		d.Set(s)
	}
	return im
}

// ValueError is a bad value of an image setting: the Key of mingo.yaml
// (expose, platforms, ...), the Image it belongs to (its index in the
// file; -1 for an overlay's image) and the fault. A value set by an
// overlay has no Path or Line, so a front end can name its own flag.
type ValueError struct {
	Path  string // "" when the value came from an overlay
	Line  int
	Image int
	Key   string
	Err   error
}

func (e *ValueError) Error() string {
	where := e.Key
	if e.Image >= 0 {
		where = fmt.Sprintf("images[%d].%s", e.Image, e.Key)
	}
	return (&Error{Path: e.Path, Line: e.Line, Err: fmt.Errorf("%s: %w", where, e.Err)}).Error()
}

func (e *ValueError) Unwrap() error { return e.Err }

// WithDefaultPlatforms is im with platforms set to def when im sets none
// and def is not empty.
func WithDefaultPlatforms(im Image, def []string) Image {
	if !im.Platforms.Set && len(def) > 0 {
		im.Platforms = Set(def)
	}
	return im
}
