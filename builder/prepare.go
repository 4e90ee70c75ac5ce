package builder

import (
	"context"
	"fmt"
	"maps"
	"strconv"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/mingo-build/mingo/layers"
	"github.com/mingo-build/mingo/platform"
)

// shared is what every platform's image has in common, worked out once
// before the per-platform builds start.
type shared struct {
	base      *baseImage
	platforms []platform.Platform
	layers    []layerSpec // generated and added layers, before the binary
	env       []string
	config    ImageConfig
	created   time.Time
	// annots are the standard and the user's annotations.
	annots map[string]string
	// recipe is the AnnotationRecipe value of the top manifest.
	recipe string
}

// annotations returns the annotations of an image or index built on the
// base manifest baseDigest.
func (s *shared) annotations(baseDigest v1.Hash) map[string]string {
	out := s.base.annotations(baseDigest)
	if out == nil {
		out = map[string]string{}
	}
	maps.Copy(out, s.annots)
	return out
}

// topAnnotations adds the rebuild recipe, for the manifest that tags point
// at: the index, or the image when there is one platform.
func (s *shared) topAnnotations(baseDigest v1.Hash) map[string]string {
	out := s.annotations(baseDigest)
	out[AnnotationRecipe] = s.recipe
	return out
}

func isRemote(base string) bool {
	return base != "" && base != BaseScratch && base != BaseDistroless
}

// prepare resolves the base and the platforms, and builds the layers that
// do not depend on the platform.
func prepare(ctx context.Context, opts *Options, pkg *Package) (*shared, error) {
	base, err := resolveBase(ctx, opts.Base, opts.Remote)
	if err != nil {
		return nil, err
	}
	sh := &shared{base: base, platforms: opts.Platforms, config: opts.Config, created: opts.Created}
	if sh.created.IsZero() {
		sh.created = time.Unix(0, 0)
	}
	sh.created = sh.created.UTC()
	if sh.platforms == nil {
		if sh.platforms, err = allPlatforms(base); err != nil {
			return nil, err
		}
	}
	if err := sh.buildLayers(ctx, opts); err != nil {
		return nil, err
	}
	if opts.Config.User != "" && !isRemote(opts.Base) {
		// mingo wrote (or left out) /etc/passwd, so it knows the names;
		// the config gets numbers, which need no lookup at run time.
		uid, gid, err := layers.ResolveUser(opts.Config.User)
		if err != nil {
			return nil, err
		}
		sh.config.User = strconv.Itoa(uid) + ":" + strconv.Itoa(gid)
	}
	sh.annots = standardAnnotations(ctx, pkg.Dir, opts.Created)
	maps.Copy(sh.annots, opts.Config.Annotations)
	if sh.recipe, err = sh.makeRecipe(ctx, opts, pkg); err != nil {
		return nil, err
	}
	return sh, nil
}

func allPlatforms(base *baseImage) ([]platform.Platform, error) {
	if base.ref == nil {
		return platform.CommonLinux(), nil
	}
	ps, err := base.platforms()
	if err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		return nil, fmt.Errorf("base image %s offers no Linux platform that Go can target", base.ref)
	}
	return ps, nil
}

// buildLayers builds the generated layers and the --add layer, ordered from
// the least to the most often changing, so that images share them. The
// generated ones always carry the epoch as mtime, whatever
// SOURCE_DATE_EPOCH says: their content is pinned, and a per-commit time
// would give every build new digests for identical files.
func (sh *shared) buildLayers(ctx context.Context, opts *Options) error {
	gen := opts.Generated
	add := func(short, what string, entries []layers.Entry, mtime time.Time) error {
		l, err := layers.Build(opts.Cache, entries, layers.Options{ModTime: mtime})
		if err != nil {
			return fmt.Errorf("building the %s layer: %w", what, err)
		}
		sh.layers = append(sh.layers, layerSpec{l, short, "mingo: " + what})
		return nil
	}
	if gen.Passwd {
		if err := add("identity", "identity files (/etc/passwd, /etc/group, /etc/nsswitch.conf, /home/nonroot, /tmp)", layers.IdentityEntries(), time.Time{}); err != nil {
			return err
		}
	}
	if gen.TZData {
		zip, err := layers.ZoneinfoZip(ctx)
		if err != nil {
			return err
		}
		entries, err := layers.TZDataEntries(zip)
		if err != nil {
			return err
		}
		if err := add("tzdata", "tzdata (Go's lib/time/zoneinfo.zip)", entries, time.Time{}); err != nil {
			return err
		}
	}
	if gen.CACerts {
		pem, what := gen.CABundle, "CA bundle (--ca-bundle)"
		if pem == nil {
			pem, what = layers.MozillaRoots(), "CA bundle (Mozilla roots, golang.org/x/crypto/x509roots/fallback)"
		}
		if err := add("ca-certs", what, layers.CACertEntries(pem), time.Time{}); err != nil {
			return err
		}
		sh.env = append(sh.env, "SSL_CERT_FILE="+layers.CABundlePath)
	}
	if len(opts.Adds) > 0 {
		var entries []layers.Entry
		for _, a := range opts.Adds {
			es, err := layers.AddEntries(a.Local, a.ImagePath)
			if err != nil {
				return err
			}
			entries = append(entries, es...)
		}
		if err := add("files", "added files", entries, opts.Created); err != nil {
			return err
		}
	}
	return nil
}
