package publish

import (
	"bufio"
	"context"
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
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/mingo-build/mingo/internal/atomicfile"
)

// Login authenticates to reg as user, as a registry client would, so that
// a wrong password fails here rather than in the next push. A rejection is
// a *RegistryError with Problem Unauthorized.
func (r *Registry) Login(ctx context.Context, reg name.Registry, user, password string) error {
	auth := &authn.Basic{Username: user, Password: password}
	repo := reg.Repo("")
	tr, err := transport.NewWithContext(ctx, reg, auth, r.transport(), []string{reg.Scope(transport.PullScope)})
	if err != nil {
		return registryError(repo, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s://%s/v2/", reg.Scheme(), reg.RegistryStr()), nil)
	if err != nil {
		return err
	}
	resp, err := (&http.Client{Transport: tr}).Do(req)
	if err != nil {
		return registryError(repo, err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
		return &RegistryError{Registry: reg.RegistryStr(), Repository: reg.RegistryStr(), Problem: Unauthorized, Err: &transport.Error{StatusCode: resp.StatusCode}}
	}
	return nil
}

// InvalidRegistryError is a registry argument that is no host[:port].
type InvalidRegistryError struct {
	// Registry is the argument without its scheme and trailing slash.
	Registry string
	Err      error
}

func (e *InvalidRegistryError) Error() string {
	return fmt.Sprintf("invalid registry %q: %v", e.Registry, e.Err)
}

func (e *InvalidRegistryError) Unwrap() error { return e.Err }

// ParseRegistry reads a registry as docker login takes it: host[:port],
// or a URL of one (https://ghcr.io/). Insecure allows plain HTTP. The
// error is an *InvalidRegistryError.
func ParseRegistry(s string, insecure bool) (name.Registry, error) {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "https://"), "http://")
	s = strings.TrimSuffix(s, "/")
	var opts []name.Option
	if insecure {
		opts = append(opts, name.Insecure)
	}
	reg, err := name.NewRegistry(s, opts...)
	if err != nil {
		return name.Registry{}, &InvalidRegistryError{Registry: s, Err: err}
	}
	return reg, nil
}

// DockerLogin logs in to reg as user (see Login) and saves the
// credentials in the Docker config (see DockerConfigPath and
// SaveCredentials), as docker login does, returning the config's path.
// An error saving them comes with that path; one finding it wraps
// ErrNoDockerConfig.
func (r *Registry) DockerLogin(ctx context.Context, reg name.Registry, user, password string) (path string, err error) {
	if err := r.Login(ctx, reg, user, password); err != nil {
		return "", err
	}
	if path, err = DockerConfigPath(); err != nil {
		return "", err
	}
	return path, SaveCredentials(path, reg.RegistryStr(), user, password)
}

// SaveLogin is DockerLogin to the registry s names (see ParseRegistry),
// reached over plain HTTP or without TLS verification if insecure, as
// docker login REGISTRY does. It returns the registry's name ("" when s
// names none) and the Docker config's path, with DockerLogin's errors.
func SaveLogin(ctx context.Context, s string, insecure bool, user, password string) (registry, path string, err error) {
	reg, err := ParseRegistry(s, insecure)
	if err != nil {
		return "", "", err
	}
	r := &Registry{}
	if insecure {
		r.Insecure = []string{reg.RegistryStr()}
	}
	path, err = r.DockerLogin(ctx, reg, user, password)
	return reg.RegistryStr(), path, err
}

// ErrEmptyPassword is ReadPassword's error for an empty password.
var ErrEmptyPassword = errors.New("empty password on standard input")

// ReadPassword reads a password (or token) from standard input r as
// docker login --password-stdin does: its first line, without the line
// ending.
func ReadPassword(r io.Reader) (string, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", fmt.Errorf("reading the password from standard input: %w", err)
	}
	password := strings.TrimRight(line, "\r\n")
	if password == "" {
		return "", ErrEmptyPassword
	}
	return password, nil
}

// CredentialHelperError is a Docker config that hands a registry's
// credentials to a helper, which would ignore what SaveCredentials writes.
type CredentialHelperError struct {
	Config, Registry, Helper string
}

func (e *CredentialHelperError) Error() string {
	return fmt.Sprintf("%s sends credentials for %s to the credential helper %q", e.Config, e.Registry, e.Helper)
}

// ErrNoDockerConfig is wrapped by DockerConfigPath's error: without
// DOCKER_CONFIG, no home directory.
var ErrNoDockerConfig = errors.New("finding the Docker config")

// DockerConfigPath is the Docker config file: $DOCKER_CONFIG/config.json,
// or ~/.docker/config.json.
func DockerConfigPath() (string, error) {
	dir := os.Getenv("DOCKER_CONFIG")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("%w: %w", ErrNoDockerConfig, err)
		}
		dir = filepath.Join(home, ".docker")
	}
	return filepath.Join(dir, "config.json"), nil
}

// SaveCredentials writes user and password for registry into the Docker
// config at path, as `docker login` does, keeping every other setting in
// it; the file gets mode 0600 and is replaced atomically.
func SaveCredentials(path, registry, user, password string) error {
	cfg := map[string]json.RawMessage{}
	if b, err := os.ReadFile(path); err == nil {
		if err := json.Unmarshal(b, &cfg); err != nil {
			return fmt.Errorf("reading %s: %w", path, err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if helper := credentialHelper(cfg, registry); helper != "" {
		return &CredentialHelperError{Config: path, Registry: registry, Helper: helper}
	}
	auths := map[string]map[string]any{}
	if raw, ok := cfg["auths"]; ok {
		if err := json.Unmarshal(raw, &auths); err != nil {
			return fmt.Errorf("reading %s: \"auths\": %w", path, err)
		}
	}
	auths[registry] = map[string]any{"auth": base64.StdEncoding.EncodeToString([]byte(user + ":" + password))}
	raw, _ := json.Marshal(auths)
	cfg["auths"] = raw
	out, err := json.MarshalIndent(cfg, "", "\t")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return atomicfile.WriteFile(path, append(out, '\n'), 0o600)
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
