package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/mingo-build/mingo"
	"github.com/mingo-build/mingo/buildcache"
	"github.com/mingo-build/mingo/buildcache/gocache"
	"github.com/mingo-build/mingo/config"
	"github.com/mingo-build/mingo/internal/build"
	"github.com/mingo-build/mingo/internal/gotool"
	"github.com/mingo-build/mingo/publish"
	"github.com/mingo-build/mingo/resolve"
	"github.com/mingo-build/mingo/sign"
	"github.com/mingo-build/mingo/verify"
)

// rule advises on one kind of error: nil when err is of another kind.
type rule func(err error) error

// as is the rule for the errors of type T, worded by f; err is the
// whole chain, e the T in it.
func as[T error](f func(err error, e T) error) rule {
	return func(err error) error {
		if e, ok := errors.AsType[T](err); ok {
			return f(err, e)
		}
		return nil
	}
}

// is is the rule for a sentinel error: its text between prefix and suffix.
func is(sentinel error, prefix, suffix string) rule {
	return func(err error) error {
		if !errors.Is(err, sentinel) {
			return nil
		}
		return fmt.Errorf("%s%w%s", prefix, err, suffix)
	}
}

// after is the rule for the errors of type T: their text, then suffix.
func after[T error](suffix string) rule {
	return as(func(err error, _ T) error { return fmt.Errorf("%w%s", err, suffix) })
}

// say is the rule for a sentinel error that msg words entirely.
func say(sentinel error, msg string) rule {
	return func(err error) error {
		if !errors.Is(err, sentinel) {
			return nil
		}
		return &advice{msg, err}
	}
}

// specRules fix the errors about what the images are; a value the
// command line set gets them after its flag's name too.
var specRules = []rule{
	is(mingo.ErrPackagesAndFile, "", ": --config names the images to build; give packages in the file or on the command line, not both"),
	is(config.ErrNoImages, "", ": add an images: list with at least one package"),
	is(config.ErrNoPackage, "", ", for example package: ./cmd/api"),
	is(mingo.ErrTagsForMany, "", ": -t names one image; use --repo REGISTRY/NAMESPACE to name each image after its binary, with bare -t tags"),
	is(mingo.ErrNoName, "", ": give --tag registry/repository:tag (--repo REGISTRY/NAMESPACE for several packages), --load for the local engine, or --push=false to only build (with --tarball FILE or --oci-layout DIR to keep the result)"),
	is(mingo.ErrNoRepository, "", ", or --repo (KO_DOCKER_REPO for a .ko.yaml)"),
	is(mingo.ErrInsecureNoTag, "", ": --insecure-registry applies to the registries in --tag, and no --tag was given"),
	is(config.ErrEpoch, "", ": set it to, for example, $(git log -1 --format=%ct) or unset it"),
	is(mingo.ErrBundleWithoutCerts, "", ": drop --ca-bundle or --ca-certs=false"),
	after[*build.DelvePlatformError](": choose --platform from those, or drop --delve"),
}

// adviceRules are the rules of advise, the first that applies winning: an
// OutputError, for one, wraps publish.ErrIsDir.
var adviceRules = slices.Concat([]rule{as(valueAdvice)}, specRules, []rule{
	as(func(_ error, e *mingo.EngineError) error {
		return fmt.Errorf("nothing to push to: no -t given, and no container engine answers at %s: give --load with Docker or podman running, --tarball FILE, or -t REGISTRY/REPOSITORY:TAG", e.Address)
	}),
	as(keyHint),
	is(mingo.ErrSignConflict, "", ": drop --cache-sign-key or --cache-sign-keyless (cache-sign-key: or cache-sign-keyless: in mingo.yaml)"),
	as(func(err error, e *gocache.RepoError) error {
		return &advice{fmt.Sprintf("--repo %q: want REGISTRY/REPOSITORY: %v", e.Repo, e.Err), err}
	}),
	as(outputHint),
	as(func(err error, e *build.GoFileError) error {
		return fmt.Errorf("%w: give its package directory instead, for example mingo build %s", err, e.Dir())
	}),
	as(func(err error, e *publish.DaemonError) error { return fmt.Errorf("%w%s", err, problemHints[e.Problem]) }),
	as(func(err error, e *publish.RegistryError) error { return fmt.Errorf("%w%s", err, registryHint(e)) }),
	as(tagHint),
	is(mingo.ErrNotBareTag, "", ": with --repo, -t takes a bare tag such as v1.2.0; the repository is --repo/<binary name>"),
	after[*mingo.NameClashError](": give them different repositories or tags"),
	// Not GOFLAGS: gotool.CheckEnv refuses a -buildmode or -linkshared there.
	after[*build.DynamicError]("; remove -linkmode=external or -extldflags from --ldflags so Go links it statically"),
	is(syscall.E2BIG, "", ": the go command line is longer than the system allows; shorten --ldflags or build fewer packages at once"),
	as(func(err error, e *build.MissingPlatformError) error {
		return fmt.Errorf("%w: choose --platform from those, or %s", err, map[bool]string{true: "a --debug-toolbox that has it", false: "another --base"}[e.Toolbox])
	}),
	as(func(err error, e *gotool.EnvError) error { return fmt.Errorf("%w%s", err, goEnvHint(e)) }),
	is(buildcache.ErrInvalidRepo, "", ": --cache-repo (or MINGO_CACHE_REPO, or cache-repo: in mingo.yaml) takes REGISTRY/REPOSITORY, for example ghcr.io/acme/mingo-cache"),
	is(build.ErrBadBase, "invalid --base: ", ""),
	is(build.ErrZstdDockerBase, "", ": use --compression gzip, or a --base published with OCI manifests"),
	is(build.ErrNotLinux, "", "; Windows images (which need a Windows --base) are not supported yet"),
	is(publish.ErrNotLayout, "--oci-layout: ", ": refusing to replace it; choose an empty or new directory"),
	is(publish.ErrNotDir, "--oci-layout: ", ": choose another path"),
	is(publish.ErrIsDir, "--tarball: ", ": give a file name"),
	say(resolve.ErrNoOutput, "nowhere to put the images: give --repo REGISTRY/NAMESPACE to push them, or --load for the local engine"),
	say(resolve.ErrRepoAndEngine, "--repo and --load both name where the references point: pick one"),
	say(resolve.ErrNotPushed, "--push=false leaves the references with nothing to point at: use --load for local images"),
})

// advise adds to a library error the fix, naming the flag to use: the
// library says what happened, the command says what to do about it.
func advise(err error) error { return first(err, adviceRules) }

// first is the advice of the first of rules that applies to err; err
// itself when none does.
func first(err error, rules []rule) error {
	for _, r := range rules {
		if a := r(err); a != nil {
			return a
		}
	}
	return err
}

// valueAdvice names by its flag a value the command line set.
func valueAdvice(err error, e *config.ValueError) error {
	if e.Path != "" {
		return nil
	}
	return &advice{fmt.Sprintf("--%s: %v", config.FlagOf(e.Key), first(e.Err, specRules)), err}
}

// tagHint words a --tag that is not a reference: lowercase, if that is
// all it lacks.
func tagHint(err error, e *publish.TagError) error {
	if lower, ok := e.Lowercase(); ok {
		return &advice{fmt.Sprintf("invalid --tag %q: repository names are lowercase: use %s", e.Ref, lower), err}
	}
	return &advice{fmt.Sprintf("invalid --tag %q: want registry/repository[:tag], for example ghcr.io/acme/api:v1.2.0: %v", e.Ref, e.Err), err}
}

// outputFlags are the flags that set the fields of mingo.Outputs.
var outputFlags = map[string]string{"Tarball": "--tarball", "SBOMDir": "--sbom-dir", "Layout": "--oci-layout"}

// outputHint words a local output that cannot be written by its flag.
func outputHint(err error, e *mingo.OutputError) error {
	flag := outputFlags[e.Output]
	switch {
	case errors.Is(e.Err, mingo.ErrNoDir):
		return &advice{fmt.Sprintf("%s %s: directory %s does not exist: create it, or choose another path", flag, e.Path, filepath.Dir(filepath.Clean(e.Path))), err}
	case errors.Is(e.Err, publish.ErrIsDir):
		return &advice{fmt.Sprintf("%s %s: is a directory: give a file name", flag, e.Path), err}
	}
	return &advice{fmt.Sprintf("%s %s: %v: choose a new or empty directory, or an existing OCI layout", flag, e.Path, e.Err), err}
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

// problemHints are the fixes by kind of registry (publish.Problem) or
// container engine (publish.DaemonProblem) failure; Unauthorized names
// the registry, in registryHint.
var problemHints = map[any]string{
	publish.Forbidden:              ": these credentials may not push there; check the repository name and your permissions",
	publish.Untrusted:              ": add its CA with SSL_CERT_FILE, or pass --insecure-registry to skip verification for it",
	publish.UnknownHost:            "; check the registry name in --tag",
	publish.Stalled:                "; if the registry is only slow, raise --registry-timeout (or MINGO_REGISTRY_TIMEOUT)",
	publish.Unreachable:            "; check the address and that the registry is running",
	publish.StorageFull:            "; the registry's storage is full: free space there (or ask its operator to), then push again",
	publish.EngineUnreachable:      "; start Docker (or `podman system service`), or point DOCKER_HOST at the engine's socket",
	publish.EnginePermissionDenied: "; join the group that owns the socket (usually docker), or point DOCKER_HOST at a socket you may open",
	publish.EngineRefused:          ": the engine refused the images",
	publish.EngineStopped:          "; the engine runs but stopped answering: see its log, or restart it (if it is only slow, raise --registry-timeout, which bounds the engine too)",
}

// registryHint is the fix for a registry failure, by its kind.
func registryHint(e *publish.RegistryError) string {
	if e.Problem == publish.Unauthorized {
		return fmt.Sprintf(": log in with `mingo login %s` or `docker login %s`, or point DOCKER_CONFIG at a config that has them", e.Registry, e.Registry)
	}
	return problemHints[e.Problem]
}

// advice is an error reworded for the command line, keeping its chain.
type advice struct {
	msg string
	err error
}

func (a *advice) Error() string { return a.msg }
func (a *advice) Unwrap() error { return a.err }

// keyFixes word a cache key (buildcache.KeyError) that cannot be used,
// by its Key and the first cause its Err wraps (nil: any other), with
// the file to give instead or how to open it: %[1]s is its Path, %[2]v
// its Err. mingo gocache's flags are --trust-identity, --trust-issuer
// and --trust-root.
var keyFixes = []struct {
	key   string
	cause error
	msg   string
}{
	{buildcache.TrustIdentity, buildcache.ErrTrustConflict, "the cache trusts --cache-trust-key or --cache-trust-identity, not both: drop one (--trust-key or --trust-identity for mingo gocache)"},
	{buildcache.TrustIdentity, buildcache.ErrTrustIncomplete, "cache trust identity: give --cache-trust-identity, --cache-trust-issuer and --cache-trust-root together (--trust-identity, --trust-issuer, --trust-root for mingo gocache)"},
	{buildcache.TrustIdentity, os.ErrNotExist, "cache trust root %[1]s: no such file: give a Sigstore trusted_root.json (cosign trusted-root create, or the Sigstore TUF repository's)"},
	{buildcache.TrustIdentity, sign.ErrTrustedRoot, "cache trust root: %[2]v: give a Sigstore trusted_root.json with certificateAuthorities and tlogs (cosign trusted-root create)"},
	{buildcache.TrustKey, sign.ErrPrivateKey, "cache trust key %[1]s holds a private key: give its public half (cosign.pub), which cannot sign"},
	{buildcache.TrustKey, os.ErrNotExist, "cache trust key %[1]s: no such file: give the cosign public key (cosign.pub) whose signatures the build trusts"},
	{buildcache.TrustKey, nil, "cache trust key: %[2]v: give a cosign public key (cosign.pub)"},
	{buildcache.SignKey, sign.ErrNoPassword, "cache sign key %[1]s: set COSIGN_PASSWORD to the key's passphrase (empty for none)"},
	{buildcache.SignKey, sign.ErrWrongPassword, "the passphrase in COSIGN_PASSWORD does not decrypt the cache sign key %[1]s: set the one the key was made with"},
	{buildcache.SignKey, os.ErrNotExist, "cache sign key %[1]s: no such file: give a cosign private key (see mingo generate-key)"},
	{buildcache.SignKey, nil, "cache sign key: %[2]v: give a cosign private key (cosign.key; see mingo generate-key)"},
}

// keyHint words a cache key that cannot be used as keyFixes say.
func keyHint(err error, e *buildcache.KeyError) error {
	for _, f := range keyFixes {
		if f.key == e.Key && (f.cause == nil || errors.Is(e.Err, f.cause)) {
			if !strings.Contains(f.msg, "%") { // Sprintf would add the unused arguments
				return &advice{f.msg, err}
			}
			return &advice{fmt.Sprintf(f.msg, e.Path, e.Err), err}
		}
	}
	return err
}

// signAdvice is advise for the errors of mingo.Run.Check, whose signer
// opens key (the cache's keys come first: they have their own words).
func signAdvice(err error, key string) error {
	if err == nil {
		return nil
	}
	return first(err, slices.Concat([]rule{
		as(keyHint),
		say(sign.ErrNotSigning, "--key and --provenance need --sign"),
		say(sign.ErrNotPushed, "--sign signs what is pushed: drop --push=false, or --sign"),
		is(sign.ErrKeylessNoLog, "", ": drop --tlog-upload=false, or sign with --key"),
		say(sign.ErrNoPassword, "--key: set COSIGN_PASSWORD to the key's passphrase (empty for none)"),
		say(sign.ErrWrongPassword, fmt.Sprintf("the passphrase in COSIGN_PASSWORD does not decrypt %s: set the one the key was made with", key)),
		after[*sign.LogError](": set --rekor-url, or sign offline with --tlog-upload=false (cosign verify then needs --insecure-ignore-tlog=true)"),
		after[*sign.SigstoreError](" (--fulcio-url and --rekor-url name a private Sigstore; --key signs without Fulcio)"),
	}, adviceRules))
}

// loginAdvice adds to a login error what to do about it; path is the
// Docker config that could not be written, if any.
func loginAdvice(err error, registry, user, path string) error {
	rules := []rule{
		as(func(err error, e *publish.InvalidRegistryError) error {
			return fmt.Errorf("invalid registry %q: give a host[:port] such as ghcr.io: %w", e.Registry, e.Err)
		}),
		as(func(err error, e *publish.RegistryError) error {
			if e.Problem != publish.Unauthorized {
				return nil
			}
			return fmt.Errorf("registry %s rejected the credentials for user %s: check the user and the password or token", registry, user)
		}),
		is(publish.ErrNoDockerConfig, "", ": set DOCKER_CONFIG"),
		is(publish.ErrEmptyPassword, "", ": pipe it in, for example echo \"$TOKEN\" | mingo login ..."),
		after[*publish.CredentialHelperError](", which would ignore what mingo writes: use docker login, or remove the helper from the config"),
	}
	if path != "" {
		rules = append(rules, func(err error) error { return fmt.Errorf("%w: fix or remove %s", err, path) })
	}
	return first(err, append(rules, adviceRules...))
}

// verifyAdvice adds to a verify error what to do about it, naming the
// flag that fixes it; the registry and build errors as mingo build words
// them.
func verifyAdvice(image string, err error) error {
	return first(err, append([]rule{
		as(inputAdvice),
		say(verify.ErrNoRecipe, image+" has "+verify.ErrNoRecipe.Error()+": it was not built by mingo (or by an older mingo), so there is no recipe to rebuild it from"),
		as(func(_ error, e *verify.PackageMismatchError) error {
			return fmt.Errorf("%s was built from %s, not %s: give that package", image, e.Want, e.Got)
		}),
		as(func(_ error, e *verify.AddsMismatchError) error {
			return fmt.Errorf("the image was built with files added at %v: give the same --add LOCAL:IMAGEPATH flags (got %v)", e.Want, e.Got)
		}),
		say(verify.ErrCABundleNeeded, "the image was built with --ca-bundle: give the same file with --ca-bundle"),
		as(func(err error, e *verify.CABundleMismatchError) error {
			return fmt.Errorf("%w: %s", err, map[bool]string{true: "drop --ca-bundle", false: "give the file the image was built with to --ca-bundle"}[e.Want == ""])
		}),
		as(func(err error, e *verify.LDFlagsMismatchError) error {
			return fmt.Errorf("%w: %s", err, map[bool]string{true: "drop --ldflags (or the image's ldflags in mingo.yaml)", false: "give the --ldflags the image was built with (mingo keeps only their digest, so that no secret is published)"}[e.Want == ""])
		}),
	}, adviceRules...))
}

// inputFlags name verify's inputs as its command line gives them.
var inputFlags = map[string]string{verify.InputCABundle: "--ca-bundle:", verify.InputLDFlags: "--ldflags:", verify.InputImage: "IMAGE"}

// inputAdvice words an error in verify's arguments as mingo verify did
// before the library read them: naming the argument or flag.
func inputAdvice(_ error, e *verify.InputError) error {
	switch {
	case errors.As(e.Err, new(*verify.ReferenceError)):
		return fmt.Errorf("invalid IMAGE %v", e.Err)
	case errors.Is(e.Err, verify.ErrNoLayoutFile):
		return fmt.Errorf("IMAGE %v: give an --oci-layout directory", e.Err)
	}
	return fmt.Errorf("%s %w", inputFlags[e.Input], e.Err)
}
