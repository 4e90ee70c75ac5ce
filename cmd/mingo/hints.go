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
	"github.com/mingo-build/mingo/sign"
)

// advise adds to a library error the fix, naming the flag to use: the
// library says what happened, the command says what to do about it.
func advise(err error) error {
	if a := specAdvice(err); a != nil {
		return a
	}
	if a := cacheAdvice(err); a != nil {
		return a
	}
	var regErr *publish.RegistryError
	var tagErr *publish.TagError
	var clash *mingo.NameClashError
	var dyn *build.DynamicError
	var missing *build.MissingPlatformError
	var engine *publish.DaemonError
	var goEnv *gotool.EnvError
	var goFile *build.GoFileError
	var output *mingo.OutputError
	switch {
	case errors.As(err, &output):
		return outputHint(output)
	case errors.As(err, &goFile):
		return fmt.Errorf("%w: give its package directory instead, for example mingo build %s", err, goFile.Dir())
	case errors.As(err, &engine):
		return fmt.Errorf("%w%s", err, engineHint(engine))
	case errors.As(err, &regErr):
		return fmt.Errorf("%w%s", err, registryHint(regErr))
	case errors.As(err, &tagErr):
		if lower, ok := lowercaseRepo(tagErr.Ref); ok {
			return &advice{fmt.Sprintf("invalid --tag %q: repository names are lowercase: use %s", tagErr.Ref, lower), err}
		}
		return &advice{fmt.Sprintf("invalid --tag %q: want registry/repository[:tag], for example ghcr.io/acme/api:v1.2.0: %v", tagErr.Ref, tagErr.Err), err}
	case errors.Is(err, mingo.ErrNotBareTag):
		return fmt.Errorf("%w: with --repo, -t takes a bare tag such as v1.2.0; the repository is --repo/<binary name>", err)
	case errors.As(err, &clash):
		return fmt.Errorf("%w: give them different repositories or tags", err)
	case errors.As(err, &dyn):
		return fmt.Errorf("%w; %s", err, dynamicHint(os.Getenv("GOFLAGS")))
	case errors.Is(err, syscall.E2BIG):
		return fmt.Errorf("%w: the go command line is longer than the system allows; shorten --ldflags or build fewer packages at once", err)
	case errors.As(err, &missing) && missing.Toolbox:
		return fmt.Errorf("%w: choose --platform from those, or a --debug-toolbox that has it", err)
	case errors.As(err, &missing):
		return fmt.Errorf("%w: choose --platform from those, or another --base", err)
	case errors.As(err, &goEnv):
		return fmt.Errorf("%w%s", err, goEnvHint(goEnv))
	case errors.Is(err, build.ErrBadBase):
		return fmt.Errorf("invalid --base: %w", err)
	case errors.Is(err, build.ErrZstdDockerBase):
		return fmt.Errorf("%w: use --compression gzip, or a --base published with OCI manifests", err)
	case errors.Is(err, build.ErrNotLinux):
		return fmt.Errorf("%w; Windows images (which need a Windows --base) are not supported yet", err)
	case errors.Is(err, publish.ErrNotLayout):
		return fmt.Errorf("--oci-layout: %w: refusing to replace it; choose an empty or new directory", err)
	case errors.Is(err, publish.ErrNotDir):
		return fmt.Errorf("--oci-layout: %w: choose another path", err)
	case errors.Is(err, publish.ErrIsDir):
		return fmt.Errorf("--tarball: %w: give a file name", err)
	}
	return err
}

// specAdvice advises on the errors of mingo.LoadConfig: a value the
// command line set is named by its flag.
func specAdvice(err error) error {
	var ve *config.ValueError
	if errors.As(err, &ve) && ve.Path == "" {
		return &advice{fmt.Sprintf("--%s: %v%s", config.FlagOf(ve.Key), ve.Err, specHint(ve.Err)), err}
	}
	if h := specHint(err); h != "" {
		return &advice{err.Error() + h, err}
	}
	return nil
}

// specHint is the fix for an error about what the images are.
func specHint(err error) string {
	switch {
	case errors.Is(err, mingo.ErrPackagesAndFile):
		return ": --config names the images to build; give packages in the file or on the command line, not both"
	case errors.Is(err, config.ErrNoImages):
		return ": add an images: list with at least one package"
	case errors.Is(err, config.ErrNoPackage):
		return ", for example package: ./cmd/api"
	case errors.Is(err, mingo.ErrTagsForMany):
		return ": -t names one image; use --repo REGISTRY/NAMESPACE to name each image after its binary, with bare -t tags"
	case errors.Is(err, mingo.ErrNoName):
		return ": give --tag registry/repository:tag (--repo REGISTRY/NAMESPACE for several packages), --load for the local engine, or --push=false to only build (with --tarball FILE or --oci-layout DIR to keep the result)"
	case errors.Is(err, mingo.ErrNoRepository):
		return ", or --repo (KO_DOCKER_REPO for a .ko.yaml)"
	case errors.Is(err, mingo.ErrInsecureNoTag):
		return ": --insecure-registry applies to the registries in --tag, and no --tag was given"
	case errors.Is(err, config.ErrEpoch):
		return ": set it to, for example, $(git log -1 --format=%ct) or unset it"
	case errors.Is(err, mingo.ErrBundleWithoutCerts):
		return ": drop --ca-bundle or --ca-certs=false"
	case errors.As(err, new(*build.DelvePlatformError)):
		return ": choose --platform from those, or drop --delve"
	}
	return ""
}

// cacheAdvice advises on the errors of the cache repository (its name,
// its keys) and of mingo gocache's --repo; nil for any other error.
func cacheAdvice(err error) error {
	var key *buildcache.KeyError
	var repo *gocache.RepoError
	switch {
	case errors.Is(err, buildcache.ErrInvalidRepo):
		return fmt.Errorf("%w: --cache-repo (or MINGO_CACHE_REPO, or cache-repo: in mingo.yaml) takes REGISTRY/REPOSITORY, for example ghcr.io/acme/mingo-cache", err)
	case errors.As(err, &key):
		return keyHint(key)
	case errors.As(err, &repo):
		return &advice{fmt.Sprintf("--repo %q: want REGISTRY/REPOSITORY: %v", repo.Repo, repo.Err), err}
	}
	return nil
}

// keyHint words a cache key that cannot be used: which file to give
// instead, or how to open it.
func keyHint(e *buildcache.KeyError) error {
	var msg string
	switch {
	case e.Key == buildcache.TrustKey && errors.Is(e.Err, sign.ErrPrivateKey):
		msg = fmt.Sprintf("cache trust key %s holds a private key: give its public half (cosign.pub), which cannot sign", e.Path)
	case e.Key == buildcache.TrustKey && errors.Is(e.Err, os.ErrNotExist):
		msg = fmt.Sprintf("cache trust key %s: no such file: give the cosign public key (cosign.pub) whose signatures the build trusts", e.Path)
	case e.Key == buildcache.TrustKey:
		msg = fmt.Sprintf("cache trust key: %v: give a cosign public key (cosign.pub)", e.Err)
	case errors.Is(e.Err, sign.ErrNoPassword):
		msg = fmt.Sprintf("cache sign key %s: set COSIGN_PASSWORD to the key's passphrase (empty for none)", e.Path)
	case errors.Is(e.Err, sign.ErrWrongPassword):
		msg = fmt.Sprintf("the passphrase in COSIGN_PASSWORD does not decrypt the cache sign key %s: set the one the key was made with", e.Path)
	case errors.Is(e.Err, os.ErrNotExist):
		msg = fmt.Sprintf("cache sign key %s: no such file: give a cosign private key (see mingo generate-key)", e.Path)
	default:
		msg = fmt.Sprintf("cache sign key: %v: give a cosign private key (cosign.key; see mingo generate-key)", e.Err)
	}
	return &advice{msg, e}
}

// signAdvice adds to an error of sign.Open(o) the signing flag that
// fixes it.
func signAdvice(err error, o sign.Options) error {
	var logErr *sign.LogError
	switch {
	case errors.Is(err, sign.ErrKeylessNoLog):
		return fmt.Errorf("%w: drop --tlog-upload=false, or sign with --key", err)
	case errors.Is(err, sign.ErrNoPassword):
		return &advice{"--key: set COSIGN_PASSWORD to the key's passphrase (empty for none)", err}
	case errors.Is(err, sign.ErrWrongPassword):
		return &advice{fmt.Sprintf("the passphrase in COSIGN_PASSWORD does not decrypt %s: set the one the key was made with", o.Key), err}
	case errors.As(err, &logErr):
		return fmt.Errorf("%w: set --rekor-url, or sign offline with --tlog-upload=false (cosign verify then needs --insecure-ignore-tlog=true)", err)
	case err != nil && o.Key == "" && !errors.Is(err, sign.ErrNoKeyless):
		return fmt.Errorf("%w (--fulcio-url and --rekor-url name a private Sigstore; --key signs without Fulcio)", err)
	}
	return err
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

// goEnvHint says what to use instead of a refused host Go setting, and how
// to clear it where it was set.
func goEnvHint(e *gotool.EnvError) string {
	clear := "unset " + e.Var + " for mingo"
	if !e.FromEnv {
		clear = "clear it with `go env -u " + e.Var + "`"
	}
	switch e.Flag {
	case "tags":
		return ": give the tags to --build-tags instead, which the recipe records, and " + clear
	case "ldflags":
		return ": give them to --ldflags instead, which the recipe records (as a digest), and " + clear
	case "toolexec", "overlay":
		return ": mingo never builds with -" + e.Flag + ", which can put anything into the binary; " + clear
	case "":
		return ": mingo builds with the Go toolchain's defaults; " + clear
	}
	return ": mingo keeps host GOFLAGS from changing the binary (only -modcacherw, -p, -a, -x, -v, -work, -trimpath and -buildvcs may stay); " + clear
}

func registryHint(e *publish.RegistryError) string {
	switch e.Problem {
	case publish.Unauthorized:
		return fmt.Sprintf(": log in with `mingo login %s` or `docker login %s`, or point DOCKER_CONFIG at a config that has them", e.Registry, e.Registry)
	case publish.Forbidden:
		return ": these credentials may not push there; check the repository name and your permissions"
	case publish.Untrusted:
		return ": add its CA with SSL_CERT_FILE, or pass --insecure-registry to skip verification for it"
	case publish.UnknownHost:
		return "; check the registry name in --tag"
	case publish.Stalled:
		return "; if the registry is only slow, raise --registry-timeout (or MINGO_REGISTRY_TIMEOUT)"
	case publish.Unreachable:
		return "; check the address and that the registry is running"
	}
	if strings.Contains(e.Error(), "no space left on device") {
		return "; the registry's storage is full: free space there (or ask its operator to), then push again"
	}
	return ""
}

func engineHint(e *publish.DaemonError) string {
	switch e.Problem {
	case publish.EngineUnreachable:
		return "; start Docker (or `podman system service`), or point DOCKER_HOST at the engine's socket"
	case publish.EnginePermissionDenied:
		return "; join the group that owns the socket (usually docker), or point DOCKER_HOST at a socket you may open"
	case publish.EngineRefused:
		return ": the engine refused the images"
	case publish.EngineStopped:
		return "; the engine runs but stopped answering: see its log, or restart it (if it is only slow, raise --registry-timeout, which bounds the engine too)"
	}
	return ""
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
