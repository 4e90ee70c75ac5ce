package publish

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/registry"
)

func TestSaveCredentials(t *testing.T) {
	path := filepath.Join(t.TempDir(), "docker", "config.json")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(`{"experimental":"enabled","auths":{"other.io":{"auth":"eDp5"}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := SaveCredentials(path, "reg.io", "user", "pw"); err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Experimental string
		Auths        map[string]struct{ Auth string }
	}
	b, _ := os.ReadFile(path)
	if err := json.Unmarshal(b, &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Experimental != "enabled" || cfg.Auths["other.io"].Auth != "eDp5" || cfg.Auths["reg.io"].Auth != "dXNlcjpwdw==" {
		t.Errorf("config after login: %s", b)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	os.WriteFile(path, []byte(`{"credsStore":"desktop"}`), 0o600)
	var helper *CredentialHelperError
	if err := SaveCredentials(path, "reg.io", "user", "pw"); !errors.As(err, &helper) || helper.Helper != "desktop" {
		t.Errorf("with a credential store: %v", err)
	}
}

func TestParseRegistry(t *testing.T) {
	for in, want := range map[string]string{"ghcr.io": "ghcr.io", "https://ghcr.io/": "ghcr.io", "http://localhost:5000": "localhost:5000"} {
		if reg, err := ParseRegistry(in, false); err != nil || reg.RegistryStr() != want {
			t.Errorf("ParseRegistry(%q) = %v, %v; want %s", in, reg, err, want)
		}
	}
	var invalid *InvalidRegistryError
	if _, err := ParseRegistry("https://bad host/", false); !errors.As(err, &invalid) || invalid.Registry != "bad host" {
		t.Errorf("ParseRegistry of a bad host: %v", err)
	}
}

func TestDockerConfigPathWithoutHome(t *testing.T) {
	t.Setenv("DOCKER_CONFIG", "")
	t.Setenv("HOME", "")
	if _, err := DockerConfigPath(); !errors.Is(err, ErrNoDockerConfig) {
		t.Errorf("DockerConfigPath without HOME: %v, want ErrNoDockerConfig", err)
	}
}

// DockerLogin checks the credentials with the registry, then writes them
// to the Docker config it returns.
func TestDockerLogin(t *testing.T) {
	srv := httptest.NewServer(registry.New(registry.Logger(nilLogger())))
	defer srv.Close()
	dir := t.TempDir()
	t.Setenv("DOCKER_CONFIG", dir)
	reg, err := ParseRegistry(srv.URL+"/", true)
	if err != nil {
		t.Fatal(err)
	}
	r := &Registry{Insecure: []string{reg.RegistryStr()}}
	path, err := r.DockerLogin(context.Background(), reg, "user", "pw")
	if err != nil || path != filepath.Join(dir, "config.json") {
		t.Fatalf("DockerLogin = %s, %v", path, err)
	}
	if b, err := os.ReadFile(path); err != nil || !strings.Contains(string(b), reg.RegistryStr()) {
		t.Errorf("config after DockerLogin: %s, %v", b, err)
	}
	name, path2, err := SaveLogin(context.Background(), srv.URL, true, "user", "pw")
	if err != nil || name != reg.RegistryStr() || path2 != path {
		t.Errorf("SaveLogin = %s, %s, %v", name, path2, err)
	}
	if name, _, err := SaveLogin(context.Background(), "bad host", false, "user", "pw"); name != "" || !errors.As(err, new(*InvalidRegistryError)) {
		t.Errorf("SaveLogin of a bad registry = %q, %v", name, err)
	}
}

// ReadPassword takes the first line, without its ending, and refuses an
// empty one.
func TestReadPassword(t *testing.T) {
	for in, want := range map[string]string{"pw\n": "pw", "pw\r\nmore\n": "pw", "pw": "pw"} {
		if got, err := ReadPassword(strings.NewReader(in)); err != nil || got != want {
			t.Errorf("ReadPassword(%q) = %q, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "\n", "\r\n"} {
		if _, err := ReadPassword(strings.NewReader(in)); !errors.Is(err, ErrEmptyPassword) {
			t.Errorf("ReadPassword(%q): %v, want ErrEmptyPassword", in, err)
		}
	}
}
