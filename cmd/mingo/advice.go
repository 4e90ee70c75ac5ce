package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/mingo-build/mingo/buildcache"
	"github.com/mingo-build/mingo/publish"
	"github.com/mingo-build/mingo/sign"
	"github.com/mingo-build/mingo/verify"
)

// keyHint words a cache key that cannot be used: which file to give
// instead, or how to open it.
func keyHint(err error, e *buildcache.KeyError) error {
	if e.Key == buildcache.TrustIdentity {
		return &advice{identityHint(e), err}
	}
	msg := fmt.Sprintf("cache sign key: %v: give a cosign private key (cosign.key; see mingo generate-key)", e.Err)
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
	}
	return &advice{msg, err}
}

// signAdvice adds to an error of sign.Open(o) the signing flag that
// fixes it.
func signAdvice(err error, o sign.Options) error {
	switch {
	case errors.Is(err, sign.ErrKeylessNoLog):
		return fmt.Errorf("%w: drop --tlog-upload=false, or sign with --key", err)
	case errors.Is(err, sign.ErrNoPassword):
		return &advice{"--key: set COSIGN_PASSWORD to the key's passphrase (empty for none)", err}
	case errors.Is(err, sign.ErrWrongPassword):
		return &advice{fmt.Sprintf("the passphrase in COSIGN_PASSWORD does not decrypt %s: set the one the key was made with", o.Key), err}
	case errors.As(err, new(*sign.LogError)):
		return fmt.Errorf("%w: set --rekor-url, or sign offline with --tlog-upload=false (cosign verify then needs --insecure-ignore-tlog=true)", err)
	case err != nil && o.Key == "" && !errors.Is(err, sign.ErrNoKeyless):
		return fmt.Errorf("%w (--fulcio-url and --rekor-url name a private Sigstore; --key signs without Fulcio)", err)
	}
	return err
}

// loginAdvice adds to a login error what to do about it; path is the
// Docker config that could not be written, if any.
func loginAdvice(err error, registry, user, path string) error {
	var invalid *publish.InvalidRegistryError
	var re *publish.RegistryError
	switch {
	case errors.As(err, &invalid):
		return fmt.Errorf("invalid registry %q: give a host[:port] such as ghcr.io: %w", invalid.Registry, invalid.Err)
	case errors.As(err, &re) && re.Problem == publish.Unauthorized:
		return fmt.Errorf("registry %s rejected the credentials for user %s: check the user and the password or token", registry, user)
	case errors.Is(err, publish.ErrNoDockerConfig):
		return fmt.Errorf("%w: set DOCKER_CONFIG", err)
	case errors.As(err, new(*publish.CredentialHelperError)):
		return fmt.Errorf("%w, which would ignore what mingo writes: use docker login, or remove the helper from the config", err)
	case path != "":
		return fmt.Errorf("%w: fix or remove %s", err, path)
	}
	return advise(err)
}

// verifyAdvice adds to a verify error what to do about it, naming the
// flag that fixes it.
func verifyAdvice(refStr string, err error) error {
	var pkg *verify.PackageMismatchError
	var adds *verify.AddsMismatchError
	var ca *verify.CABundleMismatchError
	var ld *verify.LDFlagsMismatchError
	var in *verify.InputError
	switch {
	case errors.As(err, &in):
		return inputAdvice(in)
	case errors.Is(err, verify.ErrNoRecipe):
		// ErrNoRecipe reads "no <annotation> annotation".
		return fmt.Errorf("%s has %w: it was not built by mingo (or by an older mingo), so there is no recipe to rebuild it from", refStr, verify.ErrNoRecipe)
	case errors.As(err, &pkg):
		return fmt.Errorf("%s was built from %s, not %s: give that package", refStr, pkg.Want, pkg.Got)
	case errors.As(err, &adds):
		return fmt.Errorf("the image was built with files added at %v: give the same --add LOCAL:IMAGEPATH flags (got %v)", adds.Want, adds.Got)
	case errors.Is(err, verify.ErrCABundleNeeded):
		return errors.New("the image was built with --ca-bundle: give the same file with --ca-bundle")
	case errors.As(err, &ca):
		return fmt.Errorf("%w: %s", err, map[bool]string{true: "drop --ca-bundle", false: "give the file the image was built with to --ca-bundle"}[ca.Want == ""])
	case errors.As(err, &ld):
		return fmt.Errorf("%w: %s", err, map[bool]string{true: "drop --ldflags (or the image's ldflags in mingo.yaml)", false: "give the --ldflags the image was built with (mingo keeps only their digest, so that no secret is published)"}[ld.Want == ""])
	}
	return advise(err) // registry and build errors, as mingo build words them
}
