package mingo

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/mingo-build/mingo/config"
	"github.com/mingo-build/mingo/internal/gotool"
	"github.com/mingo-build/mingo/internal/layers"
)

// A mingo.yaml in a directory of the module other than its root (such as
// examples/mingo.yaml) holds the settings of images under it, for builds
// that name that directory: `mingo build ./examples/...` or
// `mingo build ./examples/datafiles` builds each main package the file
// lists with its image's settings (the flags over them), and the other
// main packages with the flags alone. Its relative paths (package, with,
// add, ca-bundle) are relative to its directory. The module root's
// mingo.yaml stays the file a build without packages reads.

// dirConfig is a directory's mingo.yaml, its paths made relative to the
// working directory.
type dirConfig struct {
	file *config.File
	dir  string // absolute
}

// dirConfigs returns the mingo.yaml files of the directories that
// packages name (DIR or DIR/...) and of their parents up to the module
// root, which is left out; nearest first, nil when there are none.
func dirConfigs(packages []string) ([]dirConfig, error) {
	var out []dirConfig
	seen := map[string]bool{}
	for _, p := range packages {
		if !isLocalPattern(p) {
			continue
		}
		dir, err := filepath.Abs(strings.TrimSuffix(strings.TrimSuffix(p, "..."), "/"))
		for ; err == nil && !seen[dir] && !exists(filepath.Join(dir, "go.mod")); dir = filepath.Dir(dir) {
			seen[dir] = true
			path := filepath.Join(dir, config.Name)
			if exists(path) {
				f, err := config.Load(path)
				if err != nil {
					return nil, err
				}
				rebase(f, dir)
				out = append(out, dirConfig{f, dir})
			}
			if filepath.Dir(dir) == dir {
				break
			}
		}
	}
	return out, nil
}

// isLocalPattern reports whether p names a directory (., .., ./x, ../x,
// /x, and those with /...), not an import path.
func isLocalPattern(p string) bool {
	return p == "." || p == ".." || strings.HasPrefix(p, "./") || strings.HasPrefix(p, "../") || filepath.IsAbs(p)
}

// exists reports whether path exists.
func exists(path string) bool {
	_, err := os.Stat(path)
	return !errors.Is(err, fs.ErrNotExist)
}

// rebase makes the relative paths of f's images, written relative to dir,
// relative to the working directory. An image with a dir: key resolves its
// packages there, so they stay as written.
func rebase(f *config.File, dir string) {
	for i := range f.Images {
		im := &f.Images[i]
		if im.Dir.V == "" {
			im.Package.V = rebasePath(dir, im.Package.V, true)
			for j, w := range im.With.V {
				im.With.V[j] = rebasePath(dir, w, true)
			}
		}
		for j, a := range im.Add.V {
			if local, imagePath, err := layers.ParseAdd(a); err == nil {
				im.Add.V[j] = rebasePath(dir, local, false) + ":" + imagePath
			}
		}
		if im.CABundle.V != "" {
			im.CABundle.V = rebasePath(dir, im.CABundle.V, false)
		}
	}
}

// rebasePath is p, relative to dir, as a path relative to the working
// directory: "./"-prefixed for a package; p itself when it is absolute or
// (for a package) an import path.
func rebasePath(dir, p string, pkg bool) string {
	if filepath.IsAbs(p) || pkg && !isLocalPattern(p) {
		return p
	}
	return localPath(filepath.Join(dir, p))
}

// localPath is the absolute path abs relative to the working directory,
// "./"-prefixed, or abs when that fails.
func localPath(abs string) string {
	wd, err := os.Getwd()
	if err != nil {
		return abs
	}
	rel, err := filepath.Rel(wd, abs)
	if err != nil {
		return abs
	}
	if rel == "." || strings.HasPrefix(rel, "../") {
		return rel
	}
	return "./" + rel
}

// dirImages returns what to build for the overlay's packages when a
// directory they name holds a mingo.yaml (see dirConfigs): a spec per main
// package, with its image's settings when a file lists it, else the
// overlay's (with env, ko's environment, under them), in package order. It returns nil when no file applies, or when a package does not
// load (the build then says why).
func dirImages(ctx context.Context, over config.Overlay, env config.Image, created, dataCreated time.Time, vars func() config.Vars) (*Config, error) {
	files, err := dirConfigs(over.Packages)
	if err != nil || len(files) == 0 {
		return nil, err
	}
	var local, rest []string
	for _, p := range over.Packages {
		if isLocalPattern(p) {
			local = append(local, p)
		} else {
			rest = append(rest, p)
		}
	}
	args := append(append([]string{"-e"}, gotool.TagFlags(over.Image.BuildTags.V)...), local...)
	listed, err := gotool.List(ctx, "", gotool.Env(nil), args...)
	if err != nil {
		return nil, nil
	}
	c := cacheConfig(nil, over)
	c.Plural = true
	if plural := len(over.Packages) > 1 || strings.Contains(over.Packages[0], "..."); plural && fullRefs(over) {
		return nil, fmt.Errorf("%s: %w", strings.Join(over.Packages, " "), ErrTagsForMany)
	}
	for _, p := range listed {
		if p.Error != nil {
			return nil, nil
		}
		if p.Name != "main" {
			continue
		}
		s, ok, err := dirImage(files, p.Dir, over, vars)
		if err != nil {
			return nil, err
		}
		if !ok {
			rest = append(rest, localPath(p.Dir))
			continue
		}
		s.Created, s.DataCreated = created, dataCreated
		c.Specs = append(c.Specs, s)
	}
	if len(rest) > 0 {
		o := over
		o.Packages, o.Image = rest, config.WithDefaultPlatforms(config.Merge(env, over.Image), over.DefaultPlatforms)
		r, err := fromOverlay(o, created, vars) // checks the names of them all
		if err != nil {
			return nil, err
		}
		for _, p := range rest { // one spec each, to sort them with the others
			s := r.Specs[0]
			s.Packages, s.DataCreated = []string{p}, dataCreated
			c.Specs = append(c.Specs, s)
		}
	}
	// In package order, as a pattern's images are.
	slices.SortStableFunc(c.Specs, func(a, b Spec) int { return strings.Compare(a.Packages[0], b.Packages[0]) })
	return c, nil
}

// dirImage is the spec of the main package in pkgDir from the image of one
// of files that lists it; ok is false when none does.
func dirImage(files []dirConfig, pkgDir string, over config.Overlay, vars func() config.Vars) (s Spec, ok bool, err error) {
	for _, dc := range files {
		for i, im := range dc.file.Images {
			if im.Dir.V != "" || !isLocalPattern(im.Package.V) {
				continue
			}
			if abs, _ := filepath.Abs(im.Package.V); abs == pkgDir {
				s, err = fileImage(dc.file, i, im, over, vars)
				return s, true, err
			}
		}
	}
	return Spec{}, false, nil
}
