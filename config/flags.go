package config

import (
	"github.com/spf13/pflag"

	"github.com/mingo-build/mingo/internal/layers"
	"github.com/mingo-build/mingo/platform"
)

// AddFlags defines on fs the flags of mingo build (and mingo resolve) that
// set what o sets over mingo.yaml: the names, the cache repository and
// its trust, and every image setting. A flag sets its value only when the
// user gives it, and a bad value fails as the command line is read.
func (o *Overlay) AddFlags(fs *pflag.FlagSet) {
	im := &o.Image
	fs.VarP(list{dst: &im.Tags}, "tag", "t", "publish as `REF`, a full registry/repository[:tag] reference; with --repo, a bare tag applied to every image (repeatable)")
	fs.Var(text{dst: &o.Repo}, "repo", "name each image `REGISTRY/NAMESPACE`/<binary name>, for several packages at once; -t then takes bare tags (default latest)")
	withDefault(fs, list{dst: &im.Platforms, comma: true, check: checkPlatform}, "platform", platform.Default, "comma-separated `LIST` of os/arch[/variant] to build, or \"all\" for every Linux platform the base offers")
	fs.BoolVar(&o.Insecure, "insecure-registry", false, "allow plain HTTP or unverified TLS for the registries named in --tag (not needed for plain HTTP at localhost, 127.0.0.1 or a private address)")
	fs.Var(text{dst: &im.LDFlags}, "ldflags", "extra linker `FLAGS`, added after -s -w (for example \"-X main.version=v1\")")
	fs.Var(list{dst: &im.BuildTags, comma: true}, "build-tags", "Go build `TAGS`, comma-separated")
	fs.Var(text{dst: &o.CacheRepo}, "cache-repo", "share compiled binaries through the registry repository `REGISTRY/REPOSITORY`: binaries built before (on any machine) are not compiled again (default $MINGO_CACHE_REPO, then cache-repo: in mingo.yaml)")
	o.addCacheTrustFlags(fs)
	im.addFlags(fs)
	addNamingFlags(fs, &o.Naming)
}

// addCacheTrustFlags defines --cache-sign-key, --cache-sign-keyless,
// --cache-trust-key, --cache-trust-identity, --cache-trust-issuer,
// --cache-trust-root and --cache-repo-read-only.
func (o *Overlay) addCacheTrustFlags(fs *pflag.FlagSet) {
	fs.Var(text{dst: &o.CacheSignKey}, "cache-sign-key", "sign the entries this build records in --cache-repo with the cosign private key `FILE` (passphrase in COSIGN_PASSWORD; default $MINGO_CACHE_SIGN_KEY, then cache-sign-key: in mingo.yaml)")
	boolVar(fs, &o.CacheSignKeyless, "cache-sign-keyless", "sign the entries this build records in --cache-repo keylessly (Sigstore: a Fulcio certificate for the job's OIDC identity, recorded in Rekor; --fulcio-url and --rekor-url as for --sign), for runners that trust --cache-trust-identity; excludes --cache-sign-key (default $MINGO_CACHE_SIGN_KEYLESS=1, then cache-sign-keyless: in mingo.yaml)")
	fs.Var(text{dst: &o.CacheTrustKey}, "cache-trust-key", "take from --cache-repo only entries signed by the cosign public key `FILE`; any other entry is a miss and a warning (default $MINGO_CACHE_TRUST_KEY, then cache-trust-key: in mingo.yaml). Without it, anyone who can write the repository decides what is shipped")
	fs.Var(text{dst: &o.CacheTrustIdentity}, "cache-trust-identity", "take from --cache-repo only entries signed keylessly (Sigstore) by `ID`, the certificate's identity such as a CI workflow's URI; needs --cache-trust-issuer and --cache-trust-root, and excludes --cache-trust-key (default $MINGO_CACHE_TRUST_IDENTITY, then cache-trust-identity: in mingo.yaml)")
	fs.Var(text{dst: &o.CacheTrustIssuer}, "cache-trust-issuer", "the OIDC issuer `URL` of --cache-trust-identity, such as https://token.actions.githubusercontent.com (default $MINGO_CACHE_TRUST_ISSUER, then cache-trust-issuer: in mingo.yaml)")
	fs.Var(text{dst: &o.CacheTrustRoot}, "cache-trust-root", "the Sigstore trusted root `FILE` (trusted_root.json, as cosign trusted-root create writes it) whose certificate authorities and transparency logs --cache-trust-identity's signatures must chain to (default $MINGO_CACHE_TRUST_ROOT, then cache-trust-root: in mingo.yaml)")
	boolVar(fs, &o.CacheRepoReadOnly, "cache-repo-read-only", "read --cache-repo, never write to it, for builds such as fork pull requests' (default $MINGO_CACHE_REPO_READ_ONLY=1, then cache-repo-read-only: in mingo.yaml)")
}

// addFlags defines the flags that shape the image (its base, the layers
// mingo generates, its config).
func (im *Image) addFlags(fs *pflag.FlagSet) {
	withDefault(fs, text{dst: &im.Base}, "base", BaseDistroless, "`BASE` image: distroless (CA bundle, tzdata, passwd, runs as nonroot; generated, nothing pulled), scratch (the binary alone), or a registry reference")
	boolVar(fs, &im.CACerts, "ca-certs", "add the CA bundle layer (/etc/ssl/certs/ca-certificates.crt) (default: from --base)")
	boolVar(fs, &im.TZData, "tzdata", "add the time-zone database layer (/usr/share/zoneinfo) (default: from --base)")
	boolVar(fs, &im.Passwd, "passwd", "add /etc/passwd, /etc/group (root, nonroot 65532, nobody), /home/nonroot and /tmp (default: from --base)")
	fs.Var(text{dst: &im.CABundle}, "ca-bundle", "use the PEM certificates in `FILE` as the CA bundle instead of the Mozilla roots")
	fs.Var(text{dst: &im.User}, "user", "run as `USER`: nonroot, root, nobody or UID[:GID] (default: nonroot for distroless, the base's otherwise)")
	fs.Var(keyValues{&im.Env}, "env", "set `KEY=VALUE` in the image's environment (repeatable)")
	fs.Var(keyValues{&im.Labels}, "label", "set the config label `KEY=VALUE` (repeatable)")
	fs.Var(keyValues{&im.Annotations}, "annotation", "set `KEY=VALUE` on every manifest and the index (repeatable)")
	fs.Var(text{dst: &im.Workdir}, "workdir", "working `DIR` of the process (absolute)")
	fs.Var(list{dst: &im.Args}, "arg", "default `ARG` after the entrypoint (repeatable, in order)")
	fs.Var(list{dst: &im.Add, check: checkAdd}, "add", "copy `LOCAL:IMAGEPATH` (a file or directory) into the image, owned by root (repeatable)")
	fs.Var(list{dst: &im.Expose, check: checkPort}, "expose", "record that the program listens on `PORT[/tcp|/udp]` (repeatable)")
	fs.Var(list{dst: &im.Volumes, check: CheckVolume}, "volume", "declare `PATH` (absolute) a volume (repeatable)")
	fs.Var(text{dst: &im.StopSignal, check: checkSignal}, "stop-signal", "`SIGNAL` that stops the container, for example SIGINT (default: the engine's, SIGTERM)")
	boolVar(fs, &im.Debug, "debug", "also publish each image's debug variant, TAG-debug: the same layers plus a static busybox in /busybox, on PATH, for docker exec -it CONTAINER sh")
	fs.Var(text{dst: &im.DebugToolbox}, "debug-toolbox", "take the debug variants' busybox from the image `REF` (default $MINGO_DEBUG_TOOLBOX, else "+DefaultToolbox+"), which must offer every platform built")
	boolVar(fs, &im.Delve, "delve", "build the program for a debugger (no optimizations, symbols kept) and run it under Delve's headless server on port 40000: dlv connect HOST:40000")
	fs.Var(list{dst: &im.With}, "with", "also put the binary of the main `PACKAGE` in the image at /usr/local/bin/<name>, in its own layer; the entrypoint stays the first package's (repeatable)")
	fs.Var(list{dst: &im.Capabilities, comma: true, check: checkCapability}, "capabilities", "grant the binary file the Linux `CAPS` (comma-separated, for example net_bind_service), as ko's linux_capabilities; the container must be allowed them (docker run --cap-add)")
	withDefault(fs, text{dst: &im.Compression, check: checkCompression}, "compression", string(layers.Gzip), "compress the layers mingo writes with `ALGORITHM`: gzip (every engine reads it) or zstd (smaller; Docker Engine 23+, containerd 1.5+, podman)")
}

// addNamingFlags defines ko's naming flags, which choose how --repo (or
// KO_DOCKER_REPO) names each image. The modes are mingo.Spec.Naming's
// values (NameBare, NameBinary, NameImportPath), which this package
// cannot import.
func addNamingFlags(fs *pflag.FlagSet, dst *Located[string]) {
	for _, f := range []struct{ name, short, mode, usage string }{
		{"bare", "", "bare", "name the image --repo itself, without the binary name (one package)"},
		{"base-import-paths", "B", "", "name each image --repo/<binary name> (the default but under KO_DOCKER_REPO; as ko -B)"},
		{"preserve-import-paths", "P", "import-path", "name each image --repo/<full import path> (as ko -P)"},
	} {
		fs.VarP(naming{dst, f.mode}, f.name, f.short, f.usage)
		fs.Lookup(f.name).NoOptDefVal = "true"
	}
}

// The checks below are the libraries' own, run as the flag is read.

func checkAdd(s string) error         { _, _, err := layers.ParseAdd(s); return err }
func checkPort(s string) error        { _, err := ParsePort(s); return err }
func checkSignal(s string) error      { _, err := ParseSignal(s); return err }
func checkCapability(s string) error  { _, err := layers.ParseCapabilities([]string{s}); return err }
func checkCompression(s string) error { _, err := layers.ParseCompression(s); return err }

// checkPlatform checks one entry of --platform: "all" or os/arch[/variant].
func checkPlatform(p string) error {
	if p == platform.All {
		return nil
	}
	_, err := platform.ParseList(p)
	return err
}

// FlagOf is the flag of mingo build that sets a mingo.yaml key: the key
// itself, singular for the repeatable ones (platforms: --platform).
func FlagOf(key string) string {
	switch key {
	case "platforms", "labels", "annotations", "args", "volumes", "tags":
		return key[:len(key)-1]
	}
	return key
}
