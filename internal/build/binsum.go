package build

import (
	"debug/elf"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/mingo-build/mingo/internal/layers"
)

// Go decides a binary in a workspace is up to date from its build ID, not
// its bytes, so a binary damaged on disk would be packaged as it is. mingo
// records each binary's sha256 once built. After `go build` it hashes each
// binary once: a digest that differs from the record while the build ID is
// the one the file had before `go build` ran means Go left the file alone
// and its bytes changed since: damage, so the binary is removed and linked
// again. A new build ID means Go wrote the file; its digest is recorded.
// The digest then keys the binary's layer, so nothing hashes it twice.

// sumPath is where the digest of the workspace's binary name is recorded.
func (w *workspace) sumPath(name string) string {
	return filepath.Join(w.dir, "."+name+".sha256")
}

// buildIDs returns the Go build ID of each binary of names in the
// workspace ("" for one not built yet or unreadable).
func (w *workspace) buildIDs(names []string) map[string]string {
	ids := make(map[string]string, len(names))
	for _, name := range names {
		ids[name] = buildID(filepath.Join(w.dir, name))
	}
	return ids
}

// settle hashes each binary of names once, now that `go build` has run,
// and records new digests. It returns the digests (hex) and the names
// whose binaries it found damaged and removed (reported to warn); before
// holds the build IDs from before `go build`.
func (w *workspace) settle(names []string, before map[string]string, warn func(string, ...any)) (map[string]string, []string, error) {
	sums := make(map[string]string, len(names))
	var damaged []string
	for _, name := range names {
		bin := filepath.Join(w.dir, name)
		got, err := layers.FileSum(bin)
		if err != nil {
			return nil, nil, fmt.Errorf("hashing the binary: %w", err)
		}
		rec, recErr := os.ReadFile(w.sumPath(name))
		want := strings.TrimSpace(string(rec))
		switch {
		case recErr == nil && want == got:
			sums[name] = got
		case before[name] != "" && buildID(bin) == before[name]:
			// Go kept the file, so it should still be what was
			// recorded; without a record it cannot be trusted either.
			os.Remove(bin)
			if recErr == nil {
				warn("binary cache: %s has digest sha256:%s, recorded sha256:%s; dropped it, relinking", bin, got, want)
			}
			damaged = append(damaged, name)
		default:
			if err := os.WriteFile(w.sumPath(name), []byte(got+"\n"), 0o644); err != nil {
				return nil, nil, fmt.Errorf("recording the binary's digest: %w", err)
			}
			sums[name] = got
		}
	}
	return sums, damaged, nil
}

// buildID returns the Go build ID note of the ELF binary at path, which
// `go build` rewrites whenever it links the binary again; "" if there is
// none.
func buildID(path string) string {
	f, err := elf.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	s := f.Section(".note.go.buildid")
	if s == nil {
		return ""
	}
	b, err := s.Data()
	if err != nil {
		return ""
	}
	return string(b)
}
