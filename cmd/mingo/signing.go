package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/spf13/cobra"

	"github.com/mingo-build/mingo/builder"
	"github.com/mingo-build/mingo/provenance"
	"github.com/mingo-build/mingo/publish"
	"github.com/mingo-build/mingo/sign"
)

// spdxPredicateType is what `cosign verify-attestation --type spdxjson`
// looks for.
const spdxPredicateType = "https://spdx.dev/Document"

// signer returns the signer --sign asks for, or nil. It fails before any
// build when signing cannot work (no key passphrase, no OIDC token, Fulcio
// or Rekor unreachable), so that nothing is pushed unsigned.
func (f *buildFlags) signer(ctx context.Context) (*sign.Signer, error) {
	if !f.sign {
		if f.key != "" || f.provenance {
			return nil, errors.New("--key and --provenance need --sign")
		}
		return nil, nil
	}
	if !f.push {
		return nil, errors.New("--sign signs what is pushed: drop --push=false, or --sign")
	}
	if f.key == "" {
		if !f.tlogUpload {
			return nil, errors.New("keyless signing needs the Rekor transparency log (its entry proves the short-lived certificate was valid): drop --tlog-upload=false, or sign with --key")
		}
		s, err := sign.Keyless(ctx, sign.KeylessOptions{FulcioURL: f.fulcioURL, RekorURL: f.rekorURL})
		if err != nil && !errors.Is(err, sign.ErrNoKeyless) {
			return nil, fmt.Errorf("%w (--fulcio-url and --rekor-url name a private Sigstore; --key signs without Fulcio)", err)
		}
		return s, err
	}
	password, ok := os.LookupEnv(sign.PasswordEnv)
	if !ok {
		return nil, errors.New("--key: set COSIGN_PASSWORD to the key's passphrase (empty for none)")
	}
	s, err := sign.LoadKey(f.key, []byte(password))
	if errors.Is(err, sign.ErrWrongPassword) {
		return nil, fmt.Errorf("the passphrase in COSIGN_PASSWORD does not decrypt %s: set the one the key was made with", f.key)
	}
	if err != nil || !f.tlogUpload {
		return s, err
	}
	s, err = s.WithTransparencyLog(ctx, f.rekorURL, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: set --rekor-url, or sign offline with --tlog-upload=false (cosign verify then needs --insecure-ignore-tlog=true)", err)
	}
	return s, nil
}

// signHook signs, in repo and before any tag is written, the artifact and
// every platform image, and attests each SBOM and the provenance.
func signHook(s *sign.Signer, t *target, reg *publish.Registry, withProvenance bool) func(context.Context, name.Repository) error {
	return func(ctx context.Context, repo name.Repository) error {
		opts := reg.RemoteOptions(ctx)
		top, err := t.result.Artifact().Digest()
		if err != nil {
			return err
		}
		platforms := map[string]string{}
		for _, pi := range t.result.Images {
			d, err := pi.Image.Digest()
			if err != nil {
				return err
			}
			platforms[pi.Platform.String()] = d.String()
			ref := repo.Digest(d.String())
			if t.result.Index != nil {
				if err := s.Sign(ctx, ref, opts...); err != nil {
					return fmt.Errorf("signing %s: %w", ref, err)
				}
			}
			if pi.SBOM != nil {
				if err := s.Attest(ctx, ref, spdxPredicateType, pi.SBOM, opts...); err != nil {
					return fmt.Errorf("attesting the SBOM of %s: %w", ref, err)
				}
			}
		}
		ref := repo.Digest(top.String())
		if err := s.Sign(ctx, ref, opts...); err != nil {
			return fmt.Errorf("signing %s: %w", ref, err)
		}
		if !withProvenance {
			return nil
		}
		pred, err := provenancePredicate(ctx, t, platforms)
		if err != nil {
			return err
		}
		if err := s.Attest(ctx, ref, provenance.PredicateType, pred, opts...); err != nil {
			return fmt.Errorf("attesting the provenance of %s: %w", ref, err)
		}
		return nil
	}
}

func provenancePredicate(ctx context.Context, t *target, platforms map[string]string) ([]byte, error) {
	m, err := t.result.Artifact().RawManifest()
	if err != nil {
		return nil, err
	}
	var manifest struct {
		Annotations map[string]string `json:"annotations"`
	}
	if err := json.Unmarshal(m, &manifest); err != nil {
		return nil, err
	}
	created := t.opts.Created
	return provenance.Predicate(provenance.Options{
		Package:      t.pkg.ImportPath,
		Module:       t.pkg.ModulePath,
		Version:      "(devel)",
		Repository:   manifest.Annotations[builder.AnnotationSource],
		Revision:     manifest.Annotations[builder.AnnotationRevision],
		GoVersion:    builder.GoVersion(ctx),
		Recipe:       json.RawMessage(manifest.Annotations[builder.AnnotationRecipe]),
		Platforms:    platforms,
		Builder:      os.Getenv("MINGO_BUILDER_ID"),
		Started:      created,
		MingoVersion: versionNumber(),
	})
}

// chain runs hooks in order.
func chain(hooks ...func(context.Context, name.Repository) error) func(context.Context, name.Repository) error {
	return func(ctx context.Context, repo name.Repository) error {
		for _, h := range hooks {
			if h == nil {
				continue
			}
			if err := h(ctx, repo); err != nil {
				return err
			}
		}
		return nil
	}
}

func newGenerateKeyCommand() *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:   "generate-key",
		Short: "Write a cosign key pair (cosign.key, cosign.pub) for mingo build --sign --key",
		Long: `Generate-key writes cosign.key, encrypted with the passphrase in
COSIGN_PASSWORD (empty for none), and cosign.pub, in the format cosign uses,
so that cosign verify --key cosign.pub checks what mingo signed. Existing
files are never overwritten.`,
		Example: `  COSIGN_PASSWORD=... mingo generate-key
  COSIGN_PASSWORD=... mingo build ./cmd/api -t ghcr.io/acme/api:v1 --sign --key cosign.key
  cosign verify --key cosign.pub ghcr.io/acme/api:v1

  # Offline: no transparency log entry
  COSIGN_PASSWORD=... mingo build ./cmd/api -t ghcr.io/acme/api:v1 --sign --key cosign.key --tlog-upload=false
  cosign verify --key cosign.pub --insecure-ignore-tlog=true ghcr.io/acme/api:v1`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			password, ok := os.LookupEnv("COSIGN_PASSWORD")
			if !ok {
				return errors.New("set COSIGN_PASSWORD to the passphrase for the new key (empty for none)")
			}
			if err := sign.GenerateKeyPair(dir, []byte(password)); err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "wrote %s/cosign.key and %s/cosign.pub\n", dir, dir)
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "dir", ".", "write the key pair into `DIR`")
	return cmd
}
