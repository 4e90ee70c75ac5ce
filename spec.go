package mingo

import (
	"errors"
	"fmt"
	"path"
	"time"

	"github.com/mingo-build/mingo/config"
	"github.com/mingo-build/mingo/internal/build"
	"github.com/mingo-build/mingo/internal/layers"
	"github.com/mingo-build/mingo/platform"
)

// The bases mingo generates itself; any other Base is a registry reference.
const (
	// BaseDistroless is the CA bundle, tzdata and identity layers mingo
	// generates (nothing is pulled), running as nonroot.
	BaseDistroless = build.BaseDistroless
	// BaseScratch is the binary alone.
	BaseScratch = build.BaseScratch
)

// The layer compressions; Gzip, the default, is read by every engine.
const (
	Gzip = string(layers.Gzip)
	Zstd = string(layers.Zstd)
)

// Spec describes images to build: the main packages Packages name, each
// compiled with the same settings and named by Repo and Tags. The zero
// values of the image settings add nothing to the base: LoadConfig fills
// in what a base implies (distroless: the CA bundle, tzdata, the identity
// files and the nonroot user).
type Spec struct {
	// Packages are directories (./cmd/api; default "."), import paths in
	// the main module or its dependencies, or patterns with "..." that name
	// every main package under them. Each package is its own image; they
	// are built in import path order.
	Packages []string
	// Repo, when set, names each image Repo/<binary name>; Tags are then
	// bare tags (v1.2.0), "latest" when there are none.
	Repo string
	// Tags are full registry/repository[:tag] references when Repo is
	// empty; they name one image, so Packages must name one package.
	Tags []string
	// Insecure allows plain HTTP for the registries of Tags.
	Insecure bool
	// Naming is how Repo names each image: NameBinary (""), NameBare,
	// NameHashed or
	// NameImportPath, as ko's -B, --bare and -P do.
	Naming string
	// Dir is the directory the packages resolve and build in (a module
	// directory); "" is the directory of WithDir.
	Dir string

	// Platforms to build, in index order; nil means every Linux platform
	// the base offers.
	Platforms []platform.Platform
	// LDFlags are added after "-s -w"; BuildTags are Go build tags.
	LDFlags   string
	BuildTags []string
	// Created is the image time and every file's mtime; the zero value
	// means the Unix epoch.
	Created time.Time
	// ConfigCreated is the image time when Created is zero, while the
	// files keep the Unix epoch (so unchanged layers keep their digests
	// from commit to commit). The zero value means the committer time of
	// the commit the main package's module is checked out at, dirty or
	// not, or the epoch outside a git checkout.
	ConfigCreated time.Time

	// Base is BaseDistroless, BaseScratch or a registry reference; ""
	// means scratch.
	Base string
	// CACerts adds a CA bundle layer: CABundle (PEM) if set, else the
	// Mozilla roots. TZData adds Go's time-zone database; Passwd adds
	// /etc/passwd, /etc/group, /home/nonroot and /tmp.
	CACerts, TZData, Passwd bool
	CABundle                []byte
	// Files are local files or directories copied into the image.
	Files []File
	// With are more main packages (directories or import paths, no
	// "..."), resolved like Packages, whose binaries go in each image at
	// /usr/local/bin/<name>, each in its own layer, compiled in the same
	// batch; the image's entrypoint stays its package's binary.
	With []string
	// Capabilities are Linux capabilities (net_bind_service, ...) the
	// binary file grants: a program run as nonroot gets them when the
	// container is allowed them (docker run --cap-add).
	Capabilities []string
	// DataCreated is the time of the files of a main package's kodata
	// directory, which go to /var/run/ko; the zero value means Created.
	DataCreated time.Time

	// User, Env (KEY=VALUE), Labels, WorkDir, Args, Expose
	// (PORT[/tcp|/udp]), Volumes and StopSignal go in the image config;
	// Annotations on every manifest and the index.
	User                string
	Env                 []string
	Labels, Annotations map[string]string
	WorkDir             string
	Args                []string
	Expose, Volumes     []string
	StopSignal          string
	// Compression of the layers mingo writes: Gzip ("") or Zstd.
	Compression string

	// Debug adds, next to each image, its debug variant: the same layers
	// plus a static busybox in /busybox (on PATH), tagged TAG-debug, so
	// that `docker exec -it CONTAINER sh` works. Toolbox is the image the
	// busybox is taken from, a registry reference (default
	// DefaultToolbox); each platform built must be in it.
	Debug   bool
	Toolbox string
	// Delve builds the program for a debugger (no optimizations, symbols
	// kept) and runs it under Delve's headless server on port 40000, as
	// ko's --debug does: connect with `dlv connect HOST:40000`.
	Delve bool
}

// DefaultToolbox is the image debug variants take their busybox from
// unless Spec.Toolbox names another (a mirror, an air-gapped copy).
const DefaultToolbox = build.DefaultToolbox

// The values of Spec.Naming.
const (
	// NameBinary names an image Repo/<binary name>.
	NameBinary = ""
	// NameBare names an image Repo itself: one package only.
	NameBare = "bare"
	// NameImportPath names an image Repo/<import path>.
	NameImportPath = "import-path"
	// NameHashed names an image Repo/<last element of the import
	// path>-<md5 of the import path>, ko's default naming, so that images
	// a ko pipeline pushed under KO_DOCKER_REPO keep their names.
	NameHashed = "hashed"
)

// File is a local file or directory and where it goes in the image.
type File struct {
	Local, Path string
}

// SettingError is a bad value of a Spec's setting, by the name mingo.yaml
// gives it (expose, platforms, ...).
type SettingError struct {
	Key string
	Err error
}

func (e *SettingError) Error() string { return e.Key + ": " + e.Err.Error() }
func (e *SettingError) Unwrap() error { return e.Err }

// ErrNotClean is wrapped by the error for a path that must be clean and
// absolute.
var ErrNotClean = errors.New("not a clean absolute path, for example /srv")

// maxArg is the longest single argument Linux passes to a program
// (MAX_ARG_STRLEN): a longer -ldflags makes exec fail with E2BIG.
const maxArg = 128<<10 - 1

// settings checks the spec's build and image settings, each once, and
// returns them as the builder takes them.
func (s Spec) settings() (build.Settings, error) {
	bad := func(key string, err error) (build.Settings, error) {
		return build.Settings{}, &SettingError{Key: key, Err: err}
	}
	if n := len("-ldflags=-s -w " + s.LDFlags); n > maxArg {
		return bad("ldflags", fmt.Errorf("%d bytes: the system passes go build one argument of at most %d bytes", n, maxArg))
	}
	if s.WorkDir != "" && (!path.IsAbs(s.WorkDir) || path.Clean(s.WorkDir) != s.WorkDir) {
		return bad("workdir", fmt.Errorf("%q: %w", s.WorkDir, ErrNotClean))
	}
	if s.User != "" && (s.Base == BaseDistroless || s.Base == BaseScratch || s.Base == "") {
		if _, _, err := layers.ResolveUser(s.User); err != nil {
			return bad("user", err)
		}
	}
	if len(s.CABundle) > 0 {
		if _, err := layers.ParseCABundle(s.CABundle); err != nil {
			return bad("ca-bundle", err)
		}
	}
	if s.Delve {
		if err := build.CheckDelve(s.Platforms); err != nil {
			return bad("delve", err)
		}
	}
	switch s.Naming {
	case NameBinary, NameBare, NameImportPath, NameHashed:
	default:
		return bad("naming", fmt.Errorf("%q: want %q, %q, %q or %q", s.Naming, NameBinary, NameBare, NameImportPath, NameHashed))
	}
	caps, err := layers.ParseCapabilities(s.Capabilities)
	if err != nil {
		return bad("capabilities", err)
	}
	comp, err := layers.ParseCompression(s.Compression)
	if err != nil {
		return bad("compression", err)
	}
	cfg, err := s.imageConfig()
	if err != nil {
		return build.Settings{}, err
	}
	adds := make([]build.Add, len(s.Files))
	for i, f := range s.Files {
		adds[i] = build.Add{Local: f.Local, ImagePath: f.Path}
	}
	return build.Settings{
		Platforms: s.Platforms, LDFlags: s.LDFlags, BuildTags: s.BuildTags, Created: s.Created, DataCreated: s.DataCreated, ConfigCreated: s.ConfigCreated,
		Base:         s.Base,
		Generated:    build.Generated{CACerts: s.CACerts || len(s.CABundle) > 0, CABundle: s.CABundle, TZData: s.TZData, Passwd: s.Passwd},
		Adds:         adds,
		Capabilities: caps,
		Config:       cfg,
		Compression:  comp,
		Delve:        s.Delve,
	}, nil
}

// imageConfig checks the runtime settings: ports, volumes, stop signal.
func (s Spec) imageConfig() (build.ImageConfig, error) {
	cfg := build.ImageConfig{
		Env: s.Env, Labels: s.Labels, Annotations: s.Annotations, WorkDir: s.WorkDir,
		Args: s.Args, User: s.User, Volumes: s.Volumes,
	}
	for _, p := range s.Expose {
		port, err := config.ParsePort(p)
		if err != nil {
			return cfg, &SettingError{Key: "expose", Err: err}
		}
		cfg.Expose = append(cfg.Expose, port)
	}
	for _, v := range s.Volumes {
		if err := config.CheckVolume(v); err != nil {
			return cfg, &SettingError{Key: "volumes", Err: err}
		}
	}
	if s.StopSignal != "" {
		sig, err := config.ParseSignal(s.StopSignal)
		if err != nil {
			return cfg, &SettingError{Key: "stop-signal", Err: err}
		}
		cfg.StopSignal = sig
	}
	return cfg, nil
}
