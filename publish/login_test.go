package publish

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
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
