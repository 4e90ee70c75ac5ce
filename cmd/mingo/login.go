package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mingo-build/mingo/publish"
)

func newLoginCommand() *cobra.Command {
	var user string
	var stdin, insecure bool
	cmd := &cobra.Command{
		Use:     "login REGISTRY -u USER --password-stdin",
		Short:   "Save registry credentials in the Docker config, as docker login does",
		Long:    helpText("login.long"),
		Example: helpText("login.examples"),
		Args:    exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if user == "" {
				return errors.New("no user: give -u USER")
			}
			if !stdin {
				return errors.New("give the password on standard input with --password-stdin (a password in a flag would show in ps and shell history)")
			}
			password, err := readPassword(cmd.InOrStdin())
			if err != nil {
				return err
			}
			reg, err := publish.ParseRegistry(args[0], insecure)
			if err != nil {
				return loginAdvice(err, "", user, "")
			}
			r := &publish.Registry{}
			if insecure {
				r.Insecure = []string{reg.RegistryStr()}
			}
			path, err := r.DockerLogin(cmd.Context(), reg, user, password)
			if err != nil {
				return loginAdvice(err, reg.RegistryStr(), user, path)
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "Login Succeeded: credentials for %s saved in %s\n", reg.RegistryStr(), path)
			return nil
		},
	}
	cmd.Flags().StringVarP(&user, "username", "u", "", "registry `USER`")
	cmd.Flags().BoolVar(&stdin, "password-stdin", false, "read the password (or token) from standard input")
	cmd.Flags().BoolVar(&insecure, "insecure-registry", false, "allow plain HTTP or unverified TLS for this registry")
	return cmd
}

func readPassword(r io.Reader) (string, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", fmt.Errorf("reading the password from standard input: %w", err)
	}
	password := strings.TrimRight(line, "\r\n")
	if password == "" {
		return "", errors.New("empty password on standard input: pipe it in, for example echo \"$TOKEN\" | mingo login ...")
	}
	return password, nil
}
