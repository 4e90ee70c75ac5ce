package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
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
			reg, err := loginRegistry(args[0], insecure)
			if err != nil {
				return err
			}
			r := &publish.Registry{}
			if insecure {
				r.Insecure = []string{reg.RegistryStr()}
			}
			if err := r.Login(cmd.Context(), reg, user, password); err != nil {
				var re *publish.RegistryError
				if errors.As(err, &re) && re.Problem == publish.Unauthorized {
					return fmt.Errorf("registry %s rejected the credentials for user %s: check the user and the password or token", reg.RegistryStr(), user)
				}
				return advise(err)
			}
			path, err := publish.DockerConfigPath()
			if err != nil {
				return fmt.Errorf("%w: set DOCKER_CONFIG", err)
			}
			var helper *publish.CredentialHelperError
			err = publish.SaveCredentials(path, reg.RegistryStr(), user, password)
			if errors.As(err, &helper) {
				return fmt.Errorf("%w, which would ignore what mingo writes: use docker login, or remove the helper from the config", err)
			}
			if err != nil {
				return fmt.Errorf("%w: fix or remove %s", err, path)
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

func loginRegistry(s string, insecure bool) (name.Registry, error) {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "https://"), "http://")
	s = strings.TrimSuffix(s, "/")
	var opts []name.Option
	if insecure {
		opts = append(opts, name.Insecure)
	}
	reg, err := name.NewRegistry(s, opts...)
	if err != nil {
		return name.Registry{}, fmt.Errorf("invalid registry %q: give a host[:port] such as ghcr.io: %w", s, err)
	}
	return reg, nil
}
