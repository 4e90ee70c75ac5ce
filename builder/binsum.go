package builder

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Go decides a binary in a workspace is up to date from its build ID, not
// its bytes, so a binary damaged on disk would be packaged as it is. mingo
// records each binary's sha256 once built, and before the next `go build`
// removes any binary that no longer matches its record (or has none), so
// Go links it again.

// sumPath is where the digest of the workspace's binary name is recorded.
func (w *workspace) sumPath(name string) string {
	return filepath.Join(w.dir, "."+name+".sha256")
}

// checkBinaries removes each binary of names that does not match its
// recorded digest, reporting the damaged ones to warn.
func (w *workspace) checkBinaries(names []string, warn func(string, ...any)) {
	for _, name := range names {
		bin := filepath.Join(w.dir, name)
		got, err := fileSum(bin)
		if err != nil {
			continue // not built yet: nothing to trust or distrust
		}
		want, err := os.ReadFile(w.sumPath(name))
		if err == nil && strings.TrimSpace(string(want)) == got {
			continue
		}
		os.Remove(bin)
		if err == nil {
			warn("binary cache: %s has digest sha256:%s, recorded sha256:%s; dropped it, relinking", bin, got, strings.TrimSpace(string(want)))
		}
	}
}

// recordBinaries records the digest of each binary of names, as just
// built or confirmed up to date by `go build`.
func (w *workspace) recordBinaries(names []string) error {
	for _, name := range names {
		got, err := fileSum(filepath.Join(w.dir, name))
		if err != nil {
			return fmt.Errorf("recording the binary's digest: %w", err)
		}
		if err := os.WriteFile(w.sumPath(name), []byte(got+"\n"), 0o644); err != nil {
			return fmt.Errorf("recording the binary's digest: %w", err)
		}
	}
	return nil
}

func fileSum(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
