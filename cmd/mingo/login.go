package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/spf13/cobra"
)

func newLoginCommand() *cobra.Command {
	var user string
	var stdin, insecure bool
	cmd := &cobra.Command{
		Use:   "login REGISTRY -u USER --password-stdin",
		Short: "Save registry credentials in the Docker config, as docker login does",
		Long: `Login checks USER and the password read from standard input against REGISTRY,
then saves them in the Docker config ($DOCKER_CONFIG/config.json, or
~/.docker/config.json), where mingo build, docker, crane and skopeo find them.
No Docker installation is needed, so a CI job can log in and push with mingo
alone. The password is never printed.`,
		Example: `  echo "$GITHUB_TOKEN" | mingo login ghcr.io -u "$GITHUB_ACTOR" --password-stdin`,
		Args:    cobra.ExactArgs(1),
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
			if err := checkLogin(cmd.Context(), reg, user, password, insecure); err != nil {
				return err
			}
			path, err := saveLogin(reg.RegistryStr(), user, password)
			if err != nil {
				return err
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
		return name.Registry{}, fmt.Errorf("invalid registry %q: give a host[:port] such as ghcr.io: %v", s, err)
	}
	return reg, nil
}

// checkLogin authenticates to reg as a registry client would, so that a
// wrong password fails here rather than in the next push.
func checkLogin(ctx context.Context, reg name.Registry, user, password string, insecure bool) error {
	auth := &authn.Basic{Username: user, Password: password}
	rt := remote.DefaultTransport
	if t, ok := rt.(*http.Transport); ok && insecure {
		t = t.Clone()
		if t.TLSClientConfig == nil {
			t.TLSClientConfig = &tls.Config{}
		}
		t.TLSClientConfig.InsecureSkipVerify = true //nolint:gosec // only with --insecure-registry
		rt = t
	}
	tr, err := transport.NewWithContext(ctx, reg, auth, rt, []string{reg.Scope(transport.PullScope)})
	if err == nil {
		var req *http.Request
		req, err = http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s://%s/v2/", reg.Scheme(), reg.RegistryStr()), nil)
		if err == nil {
			var resp *http.Response
			if resp, err = (&http.Client{Transport: tr}).Do(req); err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
					err = &transport.Error{StatusCode: resp.StatusCode}
				}
			}
		}
	}
	if err != nil {
		var terr *transport.Error
		if errors.As(err, &terr) && (terr.StatusCode == http.StatusUnauthorized || terr.StatusCode == http.StatusForbidden) {
			return fmt.Errorf("registry %s rejected the credentials for user %s: check the user and the password or token", reg.RegistryStr(), user)
		}
		return fmt.Errorf("logging in to %s: %s", reg.RegistryStr(), strings.Join(strings.Fields(err.Error()), " "))
	}
	return nil
}

// saveLogin writes the credentials into the Docker config, keeping every
// other setting in it, with mode 0600, atomically.
func saveLogin(registry, user, password string) (string, error) {
	dir := os.Getenv("DOCKER_CONFIG")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("no home directory: set DOCKER_CONFIG: %w", err)
		}
		dir = filepath.Join(home, ".docker")
	}
	path := filepath.Join(dir, "config.json")
	cfg := map[string]json.RawMessage{}
	if b, err := os.ReadFile(path); err == nil {
		if err := json.Unmarshal(b, &cfg); err != nil {
			return "", fmt.Errorf("%s is not valid JSON (%v): fix or remove it", path, err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	if helper := credentialHelper(cfg, registry); helper != "" {
		return "", fmt.Errorf("%s sends credentials for %s to the credential helper %q, which would ignore what mingo writes: use docker login, or remove the helper from the config", path, registry, helper)
	}
	auths := map[string]map[string]any{}
	if raw, ok := cfg["auths"]; ok {
		if err := json.Unmarshal(raw, &auths); err != nil {
			return "", fmt.Errorf("%s: \"auths\" is malformed: %v", path, err)
		}
	}
	auths[registry] = map[string]any{"auth": base64.StdEncoding.EncodeToString([]byte(user + ":" + password))}
	raw, _ := json.Marshal(auths)
	cfg["auths"] = raw
	out, err := json.MarshalIndent(cfg, "", "\t")
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	tmp, err := os.CreateTemp(dir, ".config.json.tmp-*")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(out, '\n')); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Close(); err != nil {
		return "", err
	}
	return path, os.Rename(tmp.Name(), path)
}

func credentialHelper(cfg map[string]json.RawMessage, registry string) string {
	var helpers map[string]string
	if raw, ok := cfg["credHelpers"]; ok && json.Unmarshal(raw, &helpers) == nil && helpers[registry] != "" {
		return helpers[registry]
	}
	var store string
	if raw, ok := cfg["credsStore"]; ok && json.Unmarshal(raw, &store) == nil {
		return store
	}
	return ""
}
