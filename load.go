package mingo

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"reflect"
	"strings"
	"time"

	"github.com/mingo-build/mingo/config"
	"github.com/mingo-build/mingo/internal/build"
	"github.com/mingo-build/mingo/internal/layers"
	"github.com/mingo-build/mingo/platform"
)

// Config is what to build: the images of a mingo.yaml (or of an overlay
// that names packages), with every value merged and checked.
type Config struct {
	// Path is the file read; "" when the overlay named the packages.
	Path string
	// Specs are the images, in the file's order.
	Specs []Spec
	// CacheRepo is the registry repository that shares compiled binaries:
	// the overlay's, else the file's; "" for none (see WithCacheRepo).
	CacheRepo string
	// CacheSignKey (a cosign private key file) signs the entries recorded
	// in CacheRepo; an entry CacheTrustKey (a cosign public key file) did
	// not sign is a miss; with CacheRepoReadOnly, none is recorded. Each
	// is the overlay's, else the file's (see WithCacheSigner,
	// WithCacheTrust, WithCacheRepoReadOnly).
	CacheSignKey, CacheTrustKey string
	CacheRepoReadOnly           bool
	// CacheSignKeyless signs the recorded entries keylessly instead of
	// with CacheSignKey (see CacheTrust.SignKeyless); the overlay's, else
	// the file's.
	CacheSignKeyless bool
	// CacheTrustIdentity, CacheTrustIssuer and CacheTrustRoot (a Sigstore
	// trusted_root.json), all three or none, trust keyless signatures
	// instead of CacheTrustKey's: an entry not signed by the identity, as
	// issued by the OIDC issuer, is a miss (see OpenCacheTrust). Each is
	// the overlay's, else the file's.
	CacheTrustIdentity, CacheTrustIssuer, CacheTrustRoot string
	// Plural reports whether the images are named in the plural (a file,
	// several packages, or a "..." pattern), however many there are.
	Plural bool
}

// ErrPackagesAndFile is a config file given along with packages: both
// name the images to build.
var ErrPackagesAndFile = errors.New("both a config file and packages name the images to build")

// ErrNoRepository is an image of a config file that is pushed but has no
// registry name.
var ErrNoRepository = errors.New("no repository: set repository: on the image or repo: at the top")

// ErrNoName is an image that is pushed but has no tag or repository.
var ErrNoName = errors.New("nothing to push to: the image has no registry name")

// ErrInsecureNoTag is Insecure without a tag whose registry it applies to.
var ErrInsecureNoTag = errors.New("insecure applies to the registries of the tags, and there are none")

// LoadConfig returns the images that the config file at path describes,
// with the overlay's values over each; or, when the overlay names
// packages, the one spec of those packages with the overlay's settings.
// With no path and no packages it reads mingo.yaml at the root of the main
// module; failing that (or with packages), ko's .ko.yaml where ko finds it
// (see config.FindKo); else it builds "." or the packages, with the
// settings of a mingo.yaml in a directory they name (see dirImages). A .ko.yaml (by name, see
// config.IsKo) gives the packages the overlay names the settings of the
// build whose main names them, or of its default* keys; with no packages,
// every build is an image. KO_DATA_DATE_EPOCH sets DataCreated. Templates ({{.Version}}, {{.Commit}}, {{.Date}})
// in tags and ldflags are expanded; SOURCE_DATE_EPOCH sets Created. This is
// what `mingo build` builds.
//
// An error about a value of the file is a *config.ValueError with its file
// and line; about a value of the overlay, one without a path.
func LoadConfig(ctx context.Context, path string, over config.Overlay) (*Config, error) {
	if path != "" && len(over.Packages) > 0 && !config.IsKo(path) {
		return nil, ErrPackagesAndFile
	}
	if path == "" && len(over.Packages) == 0 {
		path = config.Find(ctx, "")
	}
	if path == "" {
		var err error
		if path, err = config.FindKo(); err != nil {
			return nil, err
		}
	}
	created, err := config.SourceDateEpoch()
	if err != nil {
		return nil, err
	}
	dataCreated, err := config.KoDataDateEpoch()
	if err != nil {
		return nil, err
	}
	vars := config.LazyVars(ctx, "")
	if path == "" {
		var env config.Image
		config.KoEnv(&env)
		if c, err := dirImages(ctx, over, env, created, dataCreated, vars); c != nil || err != nil {
			return c, err
		}
		over.Image = config.WithDefaultPlatforms(config.Merge(env, over.Image), over.DefaultPlatforms)
		c, err := fromOverlay(over, created, vars)
		if err == nil {
			c.Specs[0].DataCreated = dataCreated
		}
		return c, err
	}
	f, err := config.Load(path)
	if err != nil {
		return nil, err
	}
	c := cacheConfig(f, over)
	c.Path, c.Plural = path, true
	images := f.Images
	if f.Ko {
		images, c.Plural = koImages(f, over.Packages)
	}
	for i, im := range images {
		s, err := fileImage(f, i, im, over, vars)
		if err != nil {
			return nil, err
		}
		s.Created, s.DataCreated = created, dataCreated
		c.Specs = append(c.Specs, s)
	}
	return c, nil
}

// cacheConfig is a Config with the cache settings of f (nil for none)
// under the overlay's.
func cacheConfig(f *config.File, over config.Overlay) *Config {
	if f == nil {
		f = &config.File{}
	}
	pick := func(file, over config.Located[string]) string {
		if over.Set {
			return over.V
		}
		return file.V
	}
	ro := f.CacheRepoReadOnly.V
	if over.CacheRepoReadOnly.Set {
		ro = over.CacheRepoReadOnly.V
	}
	keyless := f.CacheSignKeyless.V
	if over.CacheSignKeyless.Set {
		keyless = over.CacheSignKeyless.V
	}
	return &Config{
		CacheRepo: pick(f.CacheRepo, over.CacheRepo), CacheRepoReadOnly: ro, CacheSignKeyless: keyless,
		CacheSignKey: pick(f.CacheSignKey, over.CacheSignKey), CacheTrustKey: pick(f.CacheTrustKey, over.CacheTrustKey),
		CacheTrustIdentity: pick(f.CacheTrustIdentity, over.CacheTrustIdentity),
		CacheTrustIssuer:   pick(f.CacheTrustIssuer, over.CacheTrustIssuer),
		CacheTrustRoot:     pick(f.CacheTrustRoot, over.CacheTrustRoot),
	}
}

// koImages are the images of a .ko.yaml for the packages given: each the
// build whose main names it, else the file's defaults; with no packages,
// every build, or the defaults for ".". The second result says whether
// they are named in the plural.
func koImages(f *config.File, packages []string) ([]config.Image, bool) {
	if len(packages) == 0 {
		if len(f.Images) > 0 {
			return f.Images, true
		}
		packages = []string{"."}
	}
	var out []config.Image
	for _, p := range packages {
		im := f.Defaults
		im.Package = config.Set(p)
		for _, b := range f.Images {
			if !b.Dir.Set && path.Clean(b.Package.V) == path.Clean(p) {
				im = b
			}
		}
		out = append(out, im)
	}
	plural := len(packages) > 1 || strings.Contains(packages[0], "...")
	return out, plural
}

// fromOverlay is the one spec of the packages the overlay names.
func fromOverlay(over config.Overlay, created time.Time, vars func() config.Vars) (*Config, error) {
	s, err := specOf(over.Image, vars)
	if err != nil {
		return nil, located(err, "", -1, over.Image)
	}
	s.Packages, s.Repo, s.Insecure, s.Created, s.Naming = over.Packages, over.Repo.V, over.Insecure, created, over.Naming.V
	if !over.Repo.Set && over.DefaultRepo.Set {
		s.Repo, s.Naming = over.DefaultRepo.V, defaultNaming(over)
	}
	if s.Tags, err = config.ExpandAll(over.Image.Tags.V, vars); err != nil {
		return nil, located(&SettingError{Key: "tags", Err: err}, "", -1, over.Image)
	}
	c := cacheConfig(nil, over)
	c.Specs, c.Plural = []Spec{s}, s.plural()
	return c, s.checkNames(over.Push, c.Plural)
}

// fileImage is file, image i of f, with the overlay's values over it.
func fileImage(f *config.File, i int, file config.Image, over config.Overlay, vars func() config.Vars) (Spec, error) {
	im := config.WithDefaultPlatforms(config.Merge(file, over.Image), over.DefaultPlatforms)
	s, err := specOf(im, vars)
	if err != nil {
		return s, located(err, f.Path, i, im)
	}
	s.Packages, s.Insecure, s.Naming, s.Dir = []string{file.Package.V}, over.Insecure, over.Naming.V, file.Dir.V
	if err := nameImage(&s, f, file, over, vars); err != nil {
		line := max(file.Tags.Line, file.Repository.Line, file.Line)
		return s, &config.ValueError{Path: f.Path, Line: line, Image: i, Key: "tags", Err: err}
	}
	return s, nil
}

// nameImage names the file's image: its repository with the tags, else
// the overlay's or the file's repo; the overlay's tags replace the file's.
func nameImage(s *Spec, f *config.File, file config.Image, over config.Overlay, vars func() config.Vars) error {
	tags, err := config.ExpandAll(file.Tags.V, vars)
	if err != nil {
		return err
	}
	if over.Image.Tags.Set {
		if tags, err = config.ExpandAll(over.Image.Tags.V, vars); err != nil {
			return err
		}
	}
	if len(tags) == 0 {
		tags = []string{"latest"}
	}
	repo := cmp.Or(f.Repo.V, over.DefaultRepo.V)
	if over.Repo.Set {
		repo = over.Repo.V
	} else if f.Repo.V == "" && over.DefaultRepo.Set {
		s.Naming = defaultNaming(over)
	}
	switch {
	case !f.Ko && fullRefs(over):
		// Packages named on the command line with -t naming the image in
		// full (a directory's mingo.yaml): the flag names it.
		s.Tags = tags
	case file.Repository.Set:
		for _, t := range tags {
			s.Tags = append(s.Tags, file.Repository.V+":"+t)
		}
	case repo != "":
		s.Repo, s.Tags = repo, tags
	case f.Ko && over.Image.Tags.Set:
		s.Tags = tags
	case over.Push:
		return ErrNoRepository
	}
	return nil
}

// fullRefs reports whether the overlay names packages and its -t are full
// references (registry/repository[:tag]), not bare tags under a repository.
func fullRefs(over config.Overlay) bool {
	if !over.Image.Tags.Set || over.Repo.Set || over.DefaultRepo.Set || len(over.Packages) == 0 {
		return false
	}
	for _, t := range over.Image.Tags.V {
		if !strings.ContainsAny(t, "/:@") {
			return false
		}
	}
	return true
}

// defaultNaming is the naming of images under the overlay's DefaultRepo
// (ko's KO_DOCKER_REPO): ko's own default, unless a naming flag chose.
func defaultNaming(over config.Overlay) string {
	if over.Naming.Set {
		return over.Naming.V
	}
	return NameHashed
}

// located gives err, about a value of im, the file and line of the value
// when it came from the file (a value set by an overlay has no line).
func located(err error, path string, i int, im config.Image) error {
	se, ok := errors.AsType[*SettingError](err)
	if !ok {
		return err
	}
	line := lineOf(im, se.Key)
	if line == 0 {
		path = ""
	}
	return &config.ValueError{Path: path, Line: line, Image: i, Key: se.Key, Err: se.Err}
}

// lineOf is the line of im's value for the mingo.yaml key.
func lineOf(im config.Image, key string) int {
	v := reflect.ValueOf(im)
	for i, f := range reflect.VisibleFields(v.Type()) {
		if strings.Split(f.Tag.Get("yaml"), ",")[0] == key {
			return int(v.Field(i).FieldByName("Line").Int())
		}
	}
	return 0
}

// specOf turns an image's settings into a checked spec (without its
// packages and names), applying the defaults of its base.
func specOf(im config.Image, vars func() config.Vars) (Spec, error) {
	s := Spec{Base: or(im.Base, BaseDistroless), BuildTags: im.BuildTags.V, WorkDir: im.Workdir.V, Args: im.Args.V,
		Expose: im.Expose.V, Volumes: im.Volumes.V, StopSignal: im.StopSignal.V, Compression: im.Compression.V,
		Env: config.SortedKV(im.Env.V), Labels: im.Labels.V, Annotations: im.Annotations.V, Capabilities: im.Capabilities.V,
		With: im.With.V, Debug: im.Debug.V, Toolbox: im.DebugToolbox.V, Delve: im.Delve.V}
	var err error
	if s.Platforms, err = platforms(im.Platforms); err != nil {
		return s, &SettingError{Key: "platforms", Err: err}
	}
	if s.LDFlags, err = config.Expand(im.LDFlags.V, vars); err != nil {
		return s, &SettingError{Key: "ldflags", Err: err}
	}
	preset := build.PresetFor(s.Base)
	s.User = or(im.User, preset.User)
	s.CACerts, s.TZData, s.Passwd = orBool(im.CACerts, preset.CACerts), orBool(im.TZData, preset.TZData), orBool(im.Passwd, preset.Passwd)
	if err := s.caBundle(im); err != nil {
		return s, err
	}
	for _, a := range im.Add.V {
		local, imagePath, err := layers.ParseAdd(a)
		if err != nil {
			return s, &SettingError{Key: "add", Err: err}
		}
		s.Files = append(s.Files, File{Local: local, Path: imagePath})
	}
	_, err = s.settings()
	return s, err
}

// ErrBundleWithoutCerts is a CA bundle given with the CA bundle layer off.
var ErrBundleWithoutCerts = errors.New("a CA bundle with ca-certs off")

// caBundle reads the image's ca-bundle file, the PEM certificates that
// replace the Mozilla roots.
func (s *Spec) caBundle(im config.Image) error {
	if im.CABundle.V == "" {
		return nil
	}
	if im.CACerts.Set && !im.CACerts.V {
		return &SettingError{Key: "ca-bundle", Err: ErrBundleWithoutCerts}
	}
	pem, err := os.ReadFile(im.CABundle.V)
	if err != nil {
		return &SettingError{Key: "ca-bundle", Err: err}
	}
	s.CACerts, s.CABundle = true, pem
	return nil
}

// platforms parses a platform list; "all" (nil) is every platform of the
// base, and no value the default list.
func platforms(l config.Located[[]string]) ([]platform.Platform, error) {
	list := strings.Join(l.V, ",")
	if !l.Set {
		list = platform.Default
	}
	if list == platform.All {
		return nil, nil
	}
	return platform.ParseList(list)
}

func or(l config.Located[string], def string) string {
	if l.Set && l.V != "" {
		return l.V
	}
	return def
}

func orBool(l config.Located[bool], def bool) bool {
	if l.Set {
		return l.V
	}
	return def
}

// checkNames refuses, before any build, specs that name no image to push
// or several images alike.
func (s Spec) checkNames(push, plural bool) error {
	if s.Repo != "" {
		return nil
	}
	switch {
	case plural && len(s.Tags) > 0:
		return fmt.Errorf("%s: %w", strings.Join(s.patterns(), " "), ErrTagsForMany)
	case push && len(s.Tags) == 0:
		return ErrNoName
	case s.Insecure && len(s.Tags) == 0:
		return ErrInsecureNoTag
	}
	return nil
}
