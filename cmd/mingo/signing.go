package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/mingo-build/mingo/sign"
)

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
