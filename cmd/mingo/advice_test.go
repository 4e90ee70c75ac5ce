package main

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/mingo-build/mingo"
	"github.com/mingo-build/mingo/buildcache"
	"github.com/mingo-build/mingo/buildcache/gocache"
	"github.com/mingo-build/mingo/config"
	"github.com/mingo-build/mingo/internal/build"
	"github.com/mingo-build/mingo/internal/gotool"
	"github.com/mingo-build/mingo/publish"
	"github.com/mingo-build/mingo/sign"
	"github.com/mingo-build/mingo/verify"
)

type refName string

func (r refName) String() string { return string(r) }

var errX = errors.New("x")

// adviceCases are the errors the command advises on, each with the
// exact text the user reads.
var adviceCases = []struct {
	err  error
	want string
}{
	// advise: typed errors
	{advise(&mingo.OutputError{Output: "SBOMDir", Path: "/no/sboms", Err: fmt.Errorf("/no: %w", mingo.ErrNoDir)}), "--sbom-dir /no/sboms: directory /no does not exist: create it, or choose another path"},
	{advise(&mingo.OutputError{Output: "Tarball", Path: "/tmp", Err: publish.ErrIsDir}), "--tarball /tmp: is a directory: give a file name"},
	{advise(&mingo.OutputError{Output: "Layout", Path: "src", Err: publish.ErrNotLayout}), "--oci-layout src: exists and is not an OCI layout: choose a new or empty directory, or an existing OCI layout"},
	{advise(&build.GoFileError{File: "cmd/api/main.go"}), "cmd/api/main.go is a Go file, and mingo builds packages: give its package directory instead, for example mingo build ./cmd/api"},
	{advise(&publish.TagError{Ref: "reg/API:V1", Err: errX}), `invalid --tag "reg/API:V1": repository names are lowercase: use reg/api:V1`},
	{advise(&publish.TagError{Ref: "reg/a b", Err: errX}), `invalid --tag "reg/a b": want registry/repository[:tag], for example ghcr.io/acme/api:v1.2.0: x`},
	{advise(&mingo.NameClashError{Name: "reg/api", Packages: [2]string{"./a/api", "./b/api"}}), "./a/api and ./b/api would both be reg/api: give them different repositories or tags"},
	{advise(&build.DynamicError{Needs: "libc.so.6"}), `binary is dynamically linked (needs libc.so.6) and would fail in the image with "exec ...: no such file or directory"; remove -linkmode=external or -extldflags from --ldflags so Go links it statically`},
	{advise(&build.MissingPlatformError{Base: "b", Platform: "linux/s390x", Offers: []string{"linux/amd64"}, Toolbox: true}), "toolbox image b has no linux/s390x image; it offers linux/amd64: choose --platform from those, or a --debug-toolbox that has it"},
	{advise(&build.MissingPlatformError{Base: "b", Platform: "linux/s390x", Offers: []string{"linux/amd64"}}), "base image b has no linux/s390x image; it offers linux/amd64: choose --platform from those, or another --base"},
	{advise(&gotool.EnvError{Var: "GOFLAGS", Setting: "-tags=netgo", Flag: "tags", FromEnv: true}), "-tags=netgo in GOFLAGS (from the environment) would change the binary and is not part of the rebuild recipe: give the tags to --build-tags instead, which the recipe records, and unset GOFLAGS for mingo"},
	{advise(&gotool.EnvError{Var: "GOFLAGS", Setting: "-ldflags=-s", Flag: "ldflags"}), "-ldflags=-s in GOFLAGS (from go env -w) would change the binary and is not part of the rebuild recipe: give them to --ldflags instead, which the recipe records (as a digest), and clear it with `go env -u GOFLAGS`"},
	{advise(&gotool.EnvError{Var: "GOFLAGS", Setting: "-toolexec=x", Flag: "toolexec", FromEnv: true}), "-toolexec=x in GOFLAGS (from the environment) would change the binary and is not part of the rebuild recipe: mingo never builds with -toolexec, which can put anything into the binary; unset GOFLAGS for mingo"},
	{advise(&gotool.EnvError{Var: "GOFLAGS", Setting: "-overlay=x", Flag: "overlay", FromEnv: true}), "-overlay=x in GOFLAGS (from the environment) would change the binary and is not part of the rebuild recipe: mingo never builds with -overlay, which can put anything into the binary; unset GOFLAGS for mingo"},
	{advise(&gotool.EnvError{Var: "GOEXPERIMENT", Setting: "arenas", FromEnv: true}), "GOEXPERIMENT=arenas (from the environment) would change the binary and is not part of the rebuild recipe: mingo builds with the Go toolchain's defaults; unset GOEXPERIMENT for mingo"},
	{advise(&gotool.EnvError{Var: "GOFLAGS", Setting: "-race", Flag: "race"}), "-race in GOFLAGS (from go env -w) would change the binary and is not part of the rebuild recipe: mingo keeps host GOFLAGS from changing the binary (only -modcacherw, -p, -a, -x, -v, -work, -trimpath and -buildvcs may stay); clear it with `go env -u GOFLAGS`"},
	// advise: sentinels
	{advise(fmt.Errorf("w: %w", mingo.ErrNotBareTag)), "w: with a repository, tags are bare (v1.2.0): with --repo, -t takes a bare tag such as v1.2.0; the repository is --repo/<binary name>"},
	{advise(fmt.Errorf("go build: %w", syscall.E2BIG)), "go build: argument list too long: the go command line is longer than the system allows; shorten --ldflags or build fewer packages at once"},
	{advise(fmt.Errorf("b: %w", build.ErrBadBase)), "invalid --base: b: want scratch, distroless or a registry/repository[:tag|@digest] reference"},
	{advise(build.ErrZstdDockerBase), "zstd layers need a base with OCI manifests; this base has Docker schema 2 manifests: use --compression gzip, or a --base published with OCI manifests"},
	{advise(build.ErrNotLinux), "mingo builds Linux images only; Windows images (which need a Windows --base) are not supported yet"},
	{advise(fmt.Errorf("d: %w", publish.ErrNotLayout)), "--oci-layout: d: exists and is not an OCI layout: refusing to replace it; choose an empty or new directory"},
	{advise(fmt.Errorf("d: %w", publish.ErrNotDir)), "--oci-layout: d: is a file, not a directory: choose another path"},
	{advise(fmt.Errorf("d: %w", publish.ErrIsDir)), "--tarball: d: is a directory: give a file name"},
	{advise(errX), "x"},
	// registryHint, engineHint
	{advise(&publish.RegistryError{Registry: "reg", Repository: "reg/app", Problem: publish.Unauthorized, Err: errX}), "registry reg rejected the credentials for reg/app (HTTP 401): log in with `mingo login reg` or `docker login reg`, or point DOCKER_CONFIG at a config that has them"},
	{advise(&publish.RegistryError{Registry: "reg", Repository: "reg/app", Problem: publish.Forbidden, Err: errX}), "registry reg denied access to reg/app (HTTP 403): these credentials may not push there; check the repository name and your permissions"},
	{advise(&publish.RegistryError{Registry: "reg", Repository: "reg/app", Problem: publish.Untrusted, Err: errX}), "registry reg has a TLS certificate this machine does not trust (x): add its CA with SSL_CERT_FILE, or pass --insecure-registry to skip verification for it"},
	{advise(&publish.RegistryError{Registry: "reg", Repository: "reg/app", Problem: publish.UnknownHost, Err: errX}), "%!v(PANIC=Error method: runtime error: invalid memory address or nil pointer dereference); check the registry name in --tag"},
	{advise(&publish.RegistryError{Registry: "reg", Repository: "reg/app", Problem: publish.Stalled, Err: errX}), "%!v(PANIC=Error method: runtime error: invalid memory address or nil pointer dereference); if the registry is only slow, raise --registry-timeout (or MINGO_REGISTRY_TIMEOUT)"},
	{advise(&publish.RegistryError{Registry: "reg", Repository: "reg/app", Problem: publish.Unreachable, Err: errX}), "%!v(PANIC=Error method: runtime error: invalid memory address or nil pointer dereference); check the address and that the registry is running"},
	{advise(&publish.RegistryError{Registry: "reg", Repository: "reg/app", Problem: publish.StorageFull, Err: errors.New("no space left on device")}), "registry reg failed for reg/app: no space left on device; the registry's storage is full: free space there (or ask its operator to), then push again"},
	{advise(&publish.RegistryError{Registry: "reg", Repository: "reg/app", Err: errX}), "registry reg failed for reg/app: x"},
	{advise(&publish.DaemonError{Host: "h", Problem: publish.EngineUnreachable, Err: errX}), "container engine at h: x; start Docker (or `podman system service`), or point DOCKER_HOST at the engine's socket"},
	{advise(&publish.DaemonError{Host: "h", Problem: publish.EnginePermissionDenied, Err: errX}), "container engine at h: x; join the group that owns the socket (usually docker), or point DOCKER_HOST at a socket you may open"},
	{advise(&publish.DaemonError{Host: "h", Problem: publish.EngineRefused, Err: errX}), "container engine at h: x: the engine refused the images"},
	{advise(&publish.DaemonError{Host: "h", Problem: publish.EngineStopped, Err: errX}), "container engine at h: x; the engine runs but stopped answering: see its log, or restart it (if it is only slow, raise --registry-timeout, which bounds the engine too)"},
	{advise(&publish.DaemonError{Host: "h", Err: errX}), "container engine at h: x"},
	// specAdvice
	{advise(&config.ValueError{Key: "platforms", Err: errX}), "--platform: x"},
	{advise(&config.ValueError{Key: "platforms", Err: fmt.Errorf("e: %w", config.ErrEpoch)}), "--platform: e: not a valid epoch: set it to, for example, $(git log -1 --format=%ct) or unset it"},
	{advise(&config.ValueError{Path: "mingo.yaml", Line: 3, Key: "platforms", Err: errX}), "mingo.yaml:3: images[0].platforms: x"},
	{advise(fmt.Errorf("c: %w", mingo.ErrPackagesAndFile)), "c: both a config file and packages name the images to build: --config names the images to build; give packages in the file or on the command line, not both"},
	{advise(fmt.Errorf("c: %w", config.ErrNoImages)), "c: no images: add an images: list with at least one package"},
	{advise(fmt.Errorf("c: %w", config.ErrNoPackage)), "c: package is required, for example package: ./cmd/api"},
	{advise(fmt.Errorf("c: %w", mingo.ErrTagsForMany)), "c: full tags name one image, and the pattern names several packages: -t names one image; use --repo REGISTRY/NAMESPACE to name each image after its binary, with bare -t tags"},
	{advise(fmt.Errorf("c: %w", mingo.ErrNoName)), "c: nothing to push to: the image has no registry name: give --tag registry/repository:tag (--repo REGISTRY/NAMESPACE for several packages), --load for the local engine, or --push=false to only build (with --tarball FILE or --oci-layout DIR to keep the result)"},
	{advise(fmt.Errorf("c: %w", mingo.ErrNoRepository)), "c: no repository: set repository: on the image or repo: at the top, or --repo (KO_DOCKER_REPO for a .ko.yaml)"},
	{advise(fmt.Errorf("c: %w", mingo.ErrInsecureNoTag)), "c: insecure applies to the registries of the tags, and there are none: --insecure-registry applies to the registries in --tag, and no --tag was given"},
	{advise(fmt.Errorf("c: %w", config.ErrEpoch)), "c: not a valid epoch: set it to, for example, $(git log -1 --format=%ct) or unset it"},
	{advise(fmt.Errorf("c: %w", mingo.ErrBundleWithoutCerts)), "c: a CA bundle with ca-certs off: drop --ca-bundle or --ca-certs=false"},
	{advise(&build.DelvePlatformError{Platform: "linux/s390x"}), "Delve does not debug linux/s390x programs; it debugs linux/amd64, linux/arm64, linux/386, linux/ppc64le, linux/riscv64, linux/loong64: choose --platform from those, or drop --delve"},
	// cacheAdvice, keyHint
	{advise(fmt.Errorf("c: %w", buildcache.ErrInvalidRepo)), "c: not a REGISTRY/REPOSITORY reference: --cache-repo (or MINGO_CACHE_REPO, or cache-repo: in mingo.yaml) takes REGISTRY/REPOSITORY, for example ghcr.io/acme/mingo-cache"},
	{advise(&gocache.RepoError{Repo: "Not A Repo", Err: errX}), `--repo "Not A Repo": want REGISTRY/REPOSITORY: x`},
	{advise(&buildcache.KeyError{Key: buildcache.TrustKey, Path: "k", Err: sign.ErrPrivateKey}), "cache trust key k holds a private key: give its public half (cosign.pub), which cannot sign"},
	{advise(&buildcache.KeyError{Key: buildcache.TrustKey, Path: "k", Err: os.ErrNotExist}), "cache trust key k: no such file: give the cosign public key (cosign.pub) whose signatures the build trusts"},
	{advise(&buildcache.KeyError{Key: buildcache.TrustKey, Path: "k", Err: errX}), "cache trust key: x: give a cosign public key (cosign.pub)"},
	{advise(&buildcache.KeyError{Key: buildcache.SignKey, Path: "k", Err: sign.ErrNoPassword}), "cache sign key k: set COSIGN_PASSWORD to the key's passphrase (empty for none)"},
	{advise(&buildcache.KeyError{Key: buildcache.SignKey, Path: "k", Err: sign.ErrWrongPassword}), "the passphrase in COSIGN_PASSWORD does not decrypt the cache sign key k: set the one the key was made with"},
	{advise(&buildcache.KeyError{Key: buildcache.SignKey, Path: "k", Err: os.ErrNotExist}), "cache sign key k: no such file: give a cosign private key (see mingo generate-key)"},
	{advise(&buildcache.KeyError{Key: buildcache.SignKey, Path: "k", Err: errX}), "cache sign key: x: give a cosign private key (cosign.key; see mingo generate-key)"},
	// signAdvice
	{signAdvice(sign.ErrKeylessNoLog, ""), "keyless signing needs the Rekor transparency log (its entry proves the short-lived certificate was valid): drop --tlog-upload=false, or sign with --key"},
	{signAdvice(sign.ErrNoPassword, "c.key"), "--key: set COSIGN_PASSWORD to the key's passphrase (empty for none)"},
	{signAdvice(sign.ErrWrongPassword, "c.key"), "the passphrase in COSIGN_PASSWORD does not decrypt c.key: set the one the key was made with"},
	{signAdvice(&sign.LogError{URL: "u", Err: errX}, "c.key"), "transparency log u: x: set --rekor-url, or sign offline with --tlog-upload=false (cosign verify then needs --insecure-ignore-tlog=true)"},
	{signAdvice(&sign.SigstoreError{Err: errX}, ""), "x (--fulcio-url and --rekor-url name a private Sigstore; --key signs without Fulcio)"},
	{signAdvice(sign.ErrNoKeyless, ""), "keyless signing (Fulcio certificate + Rekor transparency log) needs an OIDC identity token"},
	{signAdvice(errX, "c.key"), "x"},
	// loginAdvice
	{loginAdvice(&publish.InvalidRegistryError{Registry: "bad host", Err: errX}, "reg.io", "me", ""), `invalid registry "bad host": give a host[:port] such as ghcr.io: x`},
	{loginAdvice(&publish.RegistryError{Registry: "reg.io", Problem: publish.Unauthorized, Err: errX}, "reg.io", "me", ""), "registry reg.io rejected the credentials for user me: check the user and the password or token"},
	{loginAdvice(&publish.RegistryError{Registry: "reg.io", Problem: publish.Forbidden, Err: errX}, "reg.io", "me", ""), "registry reg.io denied access to  (HTTP 403): these credentials may not push there; check the repository name and your permissions"},
	{loginAdvice(fmt.Errorf("%w: no home", publish.ErrNoDockerConfig), "reg.io", "me", ""), "finding the Docker config: no home: set DOCKER_CONFIG"},
	{loginAdvice(&publish.CredentialHelperError{Config: "c.json", Registry: "reg.io", Helper: "desktop"}, "reg.io", "me", "c.json"), `c.json sends credentials for reg.io to the credential helper "desktop", which would ignore what mingo writes: use docker login, or remove the helper from the config`},
	{loginAdvice(errX, "reg.io", "me", "c.json"), "x: fix or remove c.json"},
	{loginAdvice(errX, "reg.io", "me", ""), "x"},
	{loginAdvice(fmt.Errorf("reading: %w", publish.ErrEmptyPassword), "", "me", ""), "reading: " + publish.ErrEmptyPassword.Error() + `: pipe it in, for example echo "$TOKEN" | mingo login ...`},
	// verifyAdvice
	{verifyAdvice("img", &verify.InputError{Input: verify.InputLDFlags, Err: errX}), "--ldflags: x"},
	{verifyAdvice("img", verify.ErrNoRecipe), "img has no dev.mingo.recipe annotation: it was not built by mingo (or by an older mingo), so there is no recipe to rebuild it from"},
	{verifyAdvice("img", &verify.PackageMismatchError{Reference: refName("r"), Want: "./a", Got: "./b"}), "img was built from ./a, not ./b: give that package"},
	{verifyAdvice("img", &verify.AddsMismatchError{Reference: refName("r"), Want: []string{"/a"}, Got: []string{"/b"}}), "the image was built with files added at [/a]: give the same --add LOCAL:IMAGEPATH flags (got [/b])"},
	{verifyAdvice("img", fmt.Errorf("v: %w", verify.ErrCABundleNeeded)), "the image was built with --ca-bundle: give the same file with --ca-bundle"},
	{verifyAdvice("img", &verify.CABundleMismatchError{Reference: refName("r"), Got: "sha256:b"}), "r was built without a CA bundle, but one (sha256:b) was given: drop --ca-bundle"},
	{verifyAdvice("img", &verify.CABundleMismatchError{Reference: refName("r"), Want: "sha256:a", Got: "sha256:b"}), "r was built with CA bundle sha256:a, not sha256:b: give the file the image was built with to --ca-bundle"},
	{verifyAdvice("img", &verify.LDFlagsMismatchError{Reference: refName("r"), Got: "sha256:b"}), "r was built without ldflags, but some (sha256:b) were given: drop --ldflags (or the image's ldflags in mingo.yaml)"},
	{verifyAdvice("img", &verify.LDFlagsMismatchError{Reference: refName("r"), Want: "sha256:a", Got: "sha256:b"}), "r was built with other ldflags: recipe sha256:a, given sha256:b: give the --ldflags the image was built with (mingo keeps only their digest, so that no secret is published)"},
	{verifyAdvice("img", build.ErrNotLinux), "mingo builds Linux images only; Windows images (which need a Windows --base) are not supported yet"},
}

// Every advice reaches the user word for word as pinned here.
func TestAdviceMessages(t *testing.T) {
	for i, tc := range adviceCases {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("case %d: got\n%s\nwant\n%s", i, got, tc.want)
		}
	}
}

// An error of sign.Open gets the signing flag that fixes it.
func TestSignAdvice(t *testing.T) {
	key := "cosign.key"
	for _, tc := range []struct {
		err  error
		key  string
		want string
	}{
		{sign.ErrKeylessNoLog, "", ": drop --tlog-upload=false, or sign with --key"},
		{sign.ErrNoPassword, key, "--key: set COSIGN_PASSWORD to the key's passphrase (empty for none)"},
		{fmt.Errorf("sign: cosign.key: %w", sign.ErrWrongPassword), key, "the passphrase in COSIGN_PASSWORD does not decrypt cosign.key: set the one the key was made with"},
		{&sign.LogError{URL: "https://rekor", Err: errors.New("down")}, key, "transparency log https://rekor: down: set --rekor-url, or sign offline with --tlog-upload=false"},
		{&sign.SigstoreError{Err: errors.New("fulcio: 503")}, "", "fulcio: 503 (--fulcio-url and --rekor-url name a private Sigstore; --key signs without Fulcio)"},
		{sign.ErrNoKeyless, "", sign.ErrNoKeyless.Error()},
		{sign.ErrNotSigning, "", "--key and --provenance need --sign"},
		{sign.ErrNotPushed, key, "--sign signs what is pushed: drop --push=false, or --sign"},
	} {
		got := signAdvice(tc.err, tc.key)
		if !strings.Contains(got.Error(), tc.want) || !errors.Is(got, tc.err) {
			t.Errorf("signAdvice(%v) = %q, want %q, keeping the chain", tc.err, got, tc.want)
		}
	}
	if signAdvice(nil, key) != nil {
		t.Error("signAdvice(nil) is an error")
	}
}

// The library's login errors reach the user with what to do about them.
func TestLoginAdvice(t *testing.T) {
	for _, tc := range []struct {
		err  error
		path string
		want string
	}{
		{&publish.InvalidRegistryError{Registry: "bad host", Err: errors.New("bad")}, "", `invalid registry "bad host": give a host[:port] such as ghcr.io: bad`},
		{&publish.RegistryError{Registry: "reg.io", Problem: publish.Unauthorized, Err: errors.New("401")}, "", "registry reg.io rejected the credentials for user me: check the user and the password or token"},
		{fmt.Errorf("%w: no home", publish.ErrNoDockerConfig), "", "finding the Docker config: no home: set DOCKER_CONFIG"},
		{&publish.CredentialHelperError{Config: "c.json", Registry: "reg.io", Helper: "desktop"}, "c.json", `c.json sends credentials for reg.io to the credential helper "desktop", which would ignore what mingo writes: use docker login, or remove the helper from the config`},
		{errors.New("reading c.json: bad JSON"), "c.json", "reading c.json: bad JSON: fix or remove c.json"},
	} {
		if got := loginAdvice(tc.err, "reg.io", "me", tc.path); got == nil || got.Error() != tc.want {
			t.Errorf("loginAdvice(%v) = %v, want %s", tc.err, got, tc.want)
		}
	}
}

// The library's errors reach the user worded as mingo verify words them,
// naming the argument or flag to fix.
func TestVerifyAdvice(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{verify.ErrNoRecipe, "img has no dev.mingo.recipe annotation: it was not built by mingo (or by an older mingo), so there is no recipe to rebuild it from"},
		{&verify.InputError{Input: verify.InputImage, Err: errors.New("./nope.tar: file does not exist")}, "IMAGE ./nope.tar: file does not exist"},
		{&verify.InputError{Input: verify.InputImage, Err: fmt.Errorf(". %w", verify.ErrNoLayoutFile)}, "IMAGE . is a directory without an oci-layout file: give an --oci-layout directory"},
		{&verify.InputError{Input: verify.InputImage, Err: &verify.ReferenceError{Arg: "Bad", Err: errors.New("bad")}}, `invalid IMAGE "Bad": not a tarball or OCI layout here, nor a registry/repository:tag or @sha256:... reference: bad`},
		{&verify.InputError{Input: verify.InputCABundle, Err: os.ErrNotExist}, "--ca-bundle: file does not exist"},
		{&verify.InputError{Input: verify.InputLDFlags, Err: errors.New("template")}, "--ldflags: template"},
	} {
		if got := verifyAdvice("img", tc.err); got == nil || got.Error() != tc.want {
			t.Errorf("verifyAdvice(%v) = %v, want %s", tc.err, got, tc.want)
		}
	}
}

// Library errors carry facts; the command adds the fix, naming the flag.
func TestAdvise(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want []string
	}{
		{fmt.Errorf("building x for linux/amd64: %w", &build.DynamicError{Needs: "libc.so.6"}), []string{"libc.so.6", "--ldflags", "-linkmode=external"}},
		{&build.MissingPlatformError{Base: "reg/base", Platform: "linux/arm/v7", Offers: []string{"linux/amd64"}}, []string{"it offers linux/amd64", "--platform", "--base"}},
		{&publish.RegistryError{Registry: "reg", Repository: "reg/app", Problem: publish.Unauthorized, Err: errors.New("401")}, []string{"rejected the credentials", "mingo login reg"}},
		{&publish.TagError{Ref: "reg/API", Err: errors.New("bad")}, []string{"invalid --tag", "reg/API"}},
		{fmt.Errorf("writing: %w", publish.ErrNotLayout), []string{"--oci-layout", "not an OCI layout"}},
		{&mingo.OutputError{Output: "SBOMDir", Path: "/no/sboms", Err: fmt.Errorf("/no: %w", mingo.ErrNoDir)}, []string{"--sbom-dir /no/sboms: directory /no does not exist: create it"}},
		{&mingo.OutputError{Output: "Tarball", Path: "/tmp", Err: publish.ErrIsDir}, []string{"--tarball /tmp: is a directory: give a file name"}},
		{&mingo.OutputError{Output: "Layout", Path: "src", Err: publish.ErrNotLayout}, []string{"--oci-layout src: exists and is not an OCI layout: choose a new or empty directory"}},
		{&publish.DaemonError{Host: "unix:///run/x.sock", Problem: publish.EngineUnreachable, Err: errors.New("connect: no such file")}, []string{"unix:///run/x.sock", "start Docker", "DOCKER_HOST"}},
		{&publish.DaemonError{Host: "unix:///run/x.sock", Problem: publish.EnginePermissionDenied, Err: errors.New("permission denied")}, []string{"unix:///run/x.sock", "join the group"}},
		{&publish.DaemonError{Host: "unix:///run/x.sock", Problem: publish.EngineRefused, Err: errors.New("bad archive")}, []string{"bad archive", "refused the images"}},
		{&publish.DaemonError{Host: "unix:///run/x.sock", Problem: publish.EngineStopped, Err: errors.New("write: broken pipe")}, []string{"broken pipe", "runs but stopped answering", "--registry-timeout"}},
		{&publish.RegistryError{Registry: "reg", Repository: "reg/app", Problem: publish.StorageFull, Err: errors.New(`UNKNOWN: unknown error (Enclosed.Err="no space left on device")`)}, []string{"no space left on device", "storage is full"}},
	} {
		got := advise(tc.err).Error()
		if de, ok := tc.err.(*publish.DaemonError); ok && de.Problem == publish.EngineStopped && strings.Contains(got, "start Docker") {
			t.Errorf("advise(%v) = %q: the engine runs", tc.err, got)
		}
		for _, w := range tc.want {
			if !strings.Contains(got, w) {
				t.Errorf("advise(%v) = %q, want it to mention %q", tc.err, got, w)
			}
		}
		if !errors.Is(advise(tc.err), tc.err) {
			t.Errorf("advise(%v) lost the error chain", tc.err)
		}
	}
}
