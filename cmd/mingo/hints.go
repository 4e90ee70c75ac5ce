package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/mingo-build/mingo"
	"github.com/mingo-build/mingo/buildcache"
	"github.com/mingo-build/mingo/buildcache/gocache"
	"github.com/mingo-build/mingo/config"
	"github.com/mingo-build/mingo/internal/build"
	"github.com/mingo-build/mingo/internal/gotool"
	"github.com/mingo-build/mingo/publish"
)

// hint is the advice for a sentinel error: its text between prefix and
// suffix.
type hint struct {
	err            error
	prefix, suffix string
}

// specHints fix the errors about what the images are; a value the
// command line set gets them after its flag's name too.
var specHints = []hint{
	{mingo.ErrPackagesAndFile, "", ": --config names the images to build; give packages in the file or on the command line, not both"},
	{config.ErrNoImages, "", ": add an images: list with at least one package"},
	{config.ErrNoPackage, "", ", for example package: ./cmd/api"},
	{mingo.ErrTagsForMany, "", ": -t names one image; use --repo REGISTRY/NAMESPACE to name each image after its binary, with bare -t tags"},
	{mingo.ErrNoName, "", ": give --tag registry/repository:tag (--repo REGISTRY/NAMESPACE for several packages), --load for the local engine, or --push=false to only build (with --tarball FILE or --oci-layout DIR to keep the result)"},
	{mingo.ErrNoRepository, "", ", or --repo (KO_DOCKER_REPO for a .ko.yaml)"},
	{mingo.ErrInsecureNoTag, "", ": --insecure-registry applies to the registries in --tag, and no --tag was given"},
	{config.ErrEpoch, "", ": set it to, for example, $(git log -1 --format=%ct) or unset it"},
	{mingo.ErrBundleWithoutCerts, "", ": drop --ca-bundle or --ca-certs=false"},
}

// hints fix the other sentinel errors, checked after the typed ones
// (an OutputError wraps publish.ErrIsDir, for one).
var hints = []hint{
	{buildcache.ErrInvalidRepo, "", ": --cache-repo (or MINGO_CACHE_REPO, or cache-repo: in mingo.yaml) takes REGISTRY/REPOSITORY, for example ghcr.io/acme/mingo-cache"},
	{mingo.ErrNotBareTag, "", ": with --repo, -t takes a bare tag such as v1.2.0; the repository is --repo/<binary name>"},
	{syscall.E2BIG, "", ": the go command line is longer than the system allows; shorten --ldflags or build fewer packages at once"},
	{build.ErrBadBase, "invalid --base: ", ""},
	{build.ErrZstdDockerBase, "", ": use --compression gzip, or a --base published with OCI manifests"},
	{build.ErrNotLinux, "", "; Windows images (which need a Windows --base) are not supported yet"},
	{publish.ErrNotLayout, "--oci-layout: ", ": refusing to replace it; choose an empty or new directory"},
	{publish.ErrNotDir, "--oci-layout: ", ": choose another path"},
	{publish.ErrIsDir, "--tarball: ", ": give a file name"},
}

// lookup is the first of hs whose error is in err's chain.
func lookup(hs []hint, err error) (hint, bool) {
	for _, h := range hs {
		if errors.Is(err, h.err) {
			return h, true
		}
	}
	return hint{}, false
}

// specHint is the fix for an error about what the images are.
func specHint(err error) string {
	if errors.As(err, new(*build.DelvePlatformError)) {
		return ": choose --platform from those, or drop --delve"
	}
	h, _ := lookup(specHints, err)
	return h.suffix
}

// advise adds to a library error the fix, naming the flag to use: the
// library says what happened, the command says what to do about it.
func advise(err error) error {
	var ve *config.ValueError
	if errors.As(err, &ve) && ve.Path == "" {
		return &advice{fmt.Sprintf("--%s: %v%s", config.FlagOf(ve.Key), ve.Err, specHint(ve.Err)), err}
	}
	if a := typedAdvice(err); a != nil {
		return a
	}
	if s := specHint(err); s != "" {
		return fmt.Errorf("%w%s", err, s)
	}
	if h, ok := lookup(hints, err); ok {
		return fmt.Errorf("%s%w%s", h.prefix, err, h.suffix)
	}
	return err
}

// typedAdvice advises on the errors whose advice is built from their
// fields; nil for any other error.
func typedAdvice(err error) error {
	var (
		key     *buildcache.KeyError
		repo    *gocache.RepoError
		output  *mingo.OutputError
		goFile  *build.GoFileError
		engine  *publish.DaemonError
		reg     *publish.RegistryError
		tag     *publish.TagError
		dyn     *build.DynamicError
		missing *build.MissingPlatformError
		goEnv   *gotool.EnvError
	)
	switch {
	case errors.As(err, &key):
		return keyHint(key)
	case errors.As(err, &repo):
		return &advice{fmt.Sprintf("--repo %q: want REGISTRY/REPOSITORY: %v", repo.Repo, repo.Err), err}
	case errors.As(err, &output):
		return outputHint(output)
	case errors.As(err, &goFile):
		return fmt.Errorf("%w: give its package directory instead, for example mingo build %s", err, goFile.Dir())
	case errors.As(err, &engine):
		return fmt.Errorf("%w%s", err, engineHints[engine.Problem])
	case errors.As(err, &reg):
		return fmt.Errorf("%w%s", err, registryHint(reg))
	case errors.As(err, &tag):
		return tagHint(tag)
	case errors.As(err, new(*mingo.NameClashError)):
		return fmt.Errorf("%w: give them different repositories or tags", err)
	case errors.As(err, &dyn):
		return fmt.Errorf("%w; %s", err, dynamicHint(os.Getenv("GOFLAGS")))
	case errors.As(err, &missing):
		return fmt.Errorf("%w: choose --platform from those, or %s", err, map[bool]string{true: "a --debug-toolbox that has it", false: "another --base"}[missing.Toolbox])
	case errors.As(err, &goEnv):
		return fmt.Errorf("%w%s", err, goEnvHint(goEnv))
	}
	return nil
}

// tagHint words a --tag that is not a reference: lowercase, if that is
// all it lacks.
func tagHint(e *publish.TagError) error {
	if lower, ok := lowercaseRepo(e.Ref); ok {
		return &advice{fmt.Sprintf("invalid --tag %q: repository names are lowercase: use %s", e.Ref, lower), e}
	}
	return &advice{fmt.Sprintf("invalid --tag %q: want registry/repository[:tag], for example ghcr.io/acme/api:v1.2.0: %v", e.Ref, e.Err), e}
}

// outputFlags are the flags that set the fields of mingo.Outputs.
var outputFlags = map[string]string{"Tarball": "--tarball", "SBOMDir": "--sbom-dir", "Layout": "--oci-layout"}

// outputHint words a local output that cannot be written by its flag.
func outputHint(e *mingo.OutputError) error {
	flag := outputFlags[e.Output]
	switch {
	case errors.Is(e.Err, mingo.ErrNoDir):
		return &advice{fmt.Sprintf("%s %s: directory %s does not exist: create it, or choose another path", flag, e.Path, filepath.Dir(filepath.Clean(e.Path))), e}
	case errors.Is(e.Err, publish.ErrIsDir):
		return &advice{fmt.Sprintf("%s %s: is a directory: give a file name", flag, e.Path), e}
	}
	return &advice{fmt.Sprintf("%s %s: %v: choose a new or empty directory, or an existing OCI layout", flag, e.Path, e.Err), e}
}

// dynamicHint names what made a binary dynamic: the user's GOFLAGS when
// they ask for a build mode that links dynamically, --ldflags otherwise.
func dynamicHint(goflags string) string {
	for _, f := range strings.Fields(goflags) {
		if strings.HasPrefix(f, "-buildmode=") || strings.HasPrefix(f, "--buildmode=") || strings.HasPrefix(f, "-linkshared") {
			return fmt.Sprintf("GOFLAGS sets %s, which links dynamically: unset it for mingo (env -u GOFLAGS mingo ...)", f)
		}
	}
	return "remove -linkmode=external or -extldflags from --ldflags so Go links it statically"
}

// goFlagHints say, by GOFLAGS entry ("" for GOEXPERIMENT and GOFIPS140),
// what to use instead of a refused host Go setting.
var goFlagHints = map[string]string{
	"tags":     ": give the tags to --build-tags instead, which the recipe records, and ",
	"ldflags":  ": give them to --ldflags instead, which the recipe records (as a digest), and ",
	"toolexec": ": mingo never builds with -toolexec, which can put anything into the binary; ",
	"overlay":  ": mingo never builds with -overlay, which can put anything into the binary; ",
	"":         ": mingo builds with the Go toolchain's defaults; ",
}

// goEnvHint says what to use instead of a refused host Go setting, and how
// to clear it where it was set.
func goEnvHint(e *gotool.EnvError) string {
	clear := "unset " + e.Var + " for mingo"
	if !e.FromEnv {
		clear = "clear it with `go env -u " + e.Var + "`"
	}
	if h, ok := goFlagHints[e.Flag]; ok {
		return h + clear
	}
	return ": mingo keeps host GOFLAGS from changing the binary (only -modcacherw, -p, -a, -x, -v, -work, -trimpath and -buildvcs may stay); " + clear
}

// registryHints are the fixes by kind of registry failure; Unauthorized
// names the registry, in registryHint.
var registryHints = map[publish.Problem]string{
	publish.Forbidden:   ": these credentials may not push there; check the repository name and your permissions",
	publish.Untrusted:   ": add its CA with SSL_CERT_FILE, or pass --insecure-registry to skip verification for it",
	publish.UnknownHost: "; check the registry name in --tag",
	publish.Stalled:     "; if the registry is only slow, raise --registry-timeout (or MINGO_REGISTRY_TIMEOUT)",
	publish.Unreachable: "; check the address and that the registry is running",
}

func registryHint(e *publish.RegistryError) string {
	if e.Problem == publish.Unauthorized {
		return fmt.Sprintf(": log in with `mingo login %s` or `docker login %s`, or point DOCKER_CONFIG at a config that has them", e.Registry, e.Registry)
	}
	if h, ok := registryHints[e.Problem]; ok || !strings.Contains(e.Error(), "no space left on device") {
		return h
	}
	return "; the registry's storage is full: free space there (or ask its operator to), then push again"
}

// engineHints are the fixes by kind of container engine failure.
var engineHints = map[publish.DaemonProblem]string{
	publish.EngineUnreachable:      "; start Docker (or `podman system service`), or point DOCKER_HOST at the engine's socket",
	publish.EnginePermissionDenied: "; join the group that owns the socket (usually docker), or point DOCKER_HOST at a socket you may open",
	publish.EngineRefused:          ": the engine refused the images",
	publish.EngineStopped:          "; the engine runs but stopped answering: see its log, or restart it (if it is only slow, raise --registry-timeout, which bounds the engine too)",
}

// advice is an error reworded for the command line, keeping its chain.
type advice struct {
	msg string
	err error
}

func (a *advice) Error() string { return a.msg }
func (a *advice) Unwrap() error { return a.err }

// lowercaseRepo returns ref with its registry and repository in lowercase
// (the tag keeps its case), if ref has capitals there and is valid
// without them.
func lowercaseRepo(ref string) (string, bool) {
	repo, tag := ref, ""
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		repo, tag = ref[:i], ref[i:]
	}
	lower := strings.ToLower(repo) + tag
	if lower == ref {
		return "", false
	}
	_, err := name.NewTag(lower)
	return lower, err == nil
}
