package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/mingo-build/mingo/sign"
)

// signFlags are the signing flags of mingo build and mingo resolve.
type signFlags struct {
	sign, provenance, tlogUpload bool
	opts                         sign.Options
}

func (f *signFlags) register(fl *pflag.FlagSet) {
	fl.BoolVar(&f.sign, "sign", false, "sign the index and every platform image with cosign (and attest the SBOMs): with --key, or keyless where an OIDC token is available")
	fl.StringVar(&f.opts.Key, "key", "", "cosign private key `FILE` (passphrase in COSIGN_PASSWORD); see mingo generate-key")
	fl.BoolVar(&f.tlogUpload, "tlog-upload", true, "record signatures in the Rekor transparency log; --tlog-upload=false for offline key signing")
	fl.StringVar(&f.opts.FulcioURL, "fulcio-url", sign.DefaultFulcioURL, "Fulcio certificate authority for keyless signing, at `URL`")
	fl.StringVar(&f.opts.RekorURL, "rekor-url", sign.DefaultRekorURL, "Rekor transparency log at `URL`")
	fl.BoolVar(&f.provenance, "provenance", false, "attach a signed SLSA provenance attestation (needs --sign)")
}

// signer returns the signer --sign asks for, or nil (see
// sign.Request.Open), failing before any build when signing cannot work.
func (f *signFlags) signer(ctx context.Context, push bool) (*sign.Signer, error) {
	o := f.opts
	o.NoTransparencyLog = !f.tlogUpload
	s, err := sign.Request{Sign: f.sign, Provenance: f.provenance, Push: push, Options: o}.Open(ctx)
	switch {
	case errors.Is(err, sign.ErrNotSigning):
		return nil, errors.New("--key and --provenance need --sign")
	case errors.Is(err, sign.ErrNotPushed):
		return nil, errors.New("--sign signs what is pushed: drop --push=false, or --sign")
	case err != nil:
		return nil, signAdvice(err, o)
	}
	return s, nil
}

func newGenerateKeyCommand() *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:     "generate-key",
		Short:   "Write a cosign key pair (cosign.key, cosign.pub) for mingo build --sign --key",
		Long:    helpText("generate-key.long"),
		Example: helpText("generate-key.examples"),
		Args:    cobra.NoArgs,
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
