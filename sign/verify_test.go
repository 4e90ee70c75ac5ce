package sign

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// LoadPublicKey takes cosign.pub and refuses, with the fault, what is not
// a public key.
func TestLoadPublicKey(t *testing.T) {
	dir := t.TempDir()
	if err := GenerateKeyPair(dir, []byte("pw")); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadPublicKey(filepath.Join(dir, PublicKeyFile)); err != nil {
		t.Fatalf("cosign.pub: %v", err)
	}
	if _, err := LoadPublicKey(filepath.Join(dir, PrivateKeyFile)); !errors.Is(err, ErrPrivateKey) {
		t.Errorf("cosign.key: %v, want ErrPrivateKey", err)
	}
	if _, err := LoadPublicKey(filepath.Join(dir, "missing.pub")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v, want fs.ErrNotExist", err)
	}
	junk := filepath.Join(dir, "junk.pub")
	if err := os.WriteFile(junk, []byte("not a key\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadPublicKey(junk); err == nil || !strings.Contains(err.Error(), "not a PEM public key") {
		t.Errorf("junk file: %v", err)
	}
}
