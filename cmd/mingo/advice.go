package main

import (
	"errors"
	"fmt"
	"os"
	"slices"

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
	switch trust := e.Key == buildcache.TrustKey; {
	case trust && errors.Is(e.Err, sign.ErrPrivateKey):
		msg = fmt.Sprintf("cache trust key %s holds a private key: give its public half (cosign.pub), which cannot sign", e.Path)
	case trust && errors.Is(e.Err, os.ErrNotExist):
		msg = fmt.Sprintf("cache trust key %s: no such file: give the cosign public key (cosign.pub) whose signatures the build trusts", e.Path)
	case trust:
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
		as(func(err error, _ *sign.LogError) error {
			return fmt.Errorf("%w: set --rekor-url, or sign offline with --tlog-upload=false (cosign verify then needs --insecure-ignore-tlog=true)", err)
		}),
		as(func(err error, _ *sign.SigstoreError) error {
			return fmt.Errorf("%w (--fulcio-url and --rekor-url name a private Sigstore; --key signs without Fulcio)", err)
		}),
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
		as(func(err error, _ *publish.CredentialHelperError) error {
			return fmt.Errorf("%w, which would ignore what mingo writes: use docker login, or remove the helper from the config", err)
		}),
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
