package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/mingo-build/mingo/sign"
)

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
