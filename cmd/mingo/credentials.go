package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/mingo-build/mingo/publish"
	"github.com/mingo-build/mingo/sign"
)

func newLoginCommand() *cobra.Command {
	var user string
	var stdin, insecure bool
	cmd := withHelp("login", &cobra.Command{
		Use:   "login REGISTRY -u USER --password-stdin",
		Short: "Save registry credentials in the Docker config, as docker login does",
		Args:  exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if user == "" {
				return errors.New("no user: give -u USER")
			}
			if !stdin {
				return errors.New("give the password on standard input with --password-stdin (a password in a flag would show in ps and shell history)")
			}
			password, err := publish.ReadPassword(cmd.InOrStdin())
			if err != nil {
				return loginAdvice(err, "", user, "")
			}
			reg, path, err := publish.SaveLogin(cmd.Context(), args[0], insecure, user, password)
			if err != nil {
				return loginAdvice(err, reg, user, path)
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "Login Succeeded: credentials for %s saved in %s\n", reg, path)
			return nil
		},
	})
	cmd.Flags().StringVarP(&user, "username", "u", "", "registry `USER`")
	cmd.Flags().BoolVar(&stdin, "password-stdin", false, "read the password (or token) from standard input")
	cmd.Flags().BoolVar(&insecure, "insecure-registry", false, "allow plain HTTP or unverified TLS for this registry")
	return cmd
}

func newGenerateKeyCommand() *cobra.Command {
	var dir string
	cmd := withHelp("generate-key", &cobra.Command{
		Use:   "generate-key",
		Short: "Write a cosign key pair (cosign.key, cosign.pub) for mingo build --sign --key",
		Args:  cobra.NoArgs,
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
	})
	cmd.Flags().StringVar(&dir, "dir", ".", "write the key pair into `DIR`")
	return cmd
}
