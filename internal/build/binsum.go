package build

import (
	"cmp"
	"debug/elf"
	"encoding/hex"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/mingo-build/mingo/internal/atomicfile"
	"github.com/mingo-build/mingo/internal/layers"
	"github.com/mingo-build/mingo/internal/stamp"
)

// Go decides a binary in a workspace is up to date from its build ID, not
// its bytes, so a binary damaged on disk would be packaged as it is. mingo
// records each binary's sha256 once built. After `go build` it hashes each
// binary once: a digest that differs from the record while the build ID is
// the one the file had before `go build` ran means Go left the file alone
// and its bytes changed since: damage, so the binary is removed and linked
// again. A new build ID means Go wrote the file; its digest is recorded.
// The digest then keys the binary's layer, so nothing hashes it twice. A
// binary Go has just written whose layer is built here (layered) is not
// hashed first, to look a layer up it almost never has: its layer is
// written at once and hashes it as it reads it (layers.BuildFresh), and
// hashed records the digest then.

// sumPath is where the digest of the workspace's binary name is recorded.
func (w *workspace) sumPath(name string) string {
	return filepath.Join(w.dir, "."+name+".sha256")
}

// buildIDs returns the Go build ID of each binary of names in the
// workspace ("" for one not built yet or unreadable). It runs before `go
// build` and notes which binaries still have the stamp recorded with their
// digest (see stamped); such a binary's build ID is the one recorded with
// it, so at rest no binary is opened before `go build`.
func (w *workspace) buildIDs(names []string) map[string]string {
	ids := make(map[string]string, len(names))
	w.unchanged = map[string]binStamp{}
	for _, name := range names {
		if b, ok := w.stamped(name); ok {
			w.unchanged[name] = b
			if b.id != "" {
				ids[name] = b.id
				continue
			}
		}
		ids[name] = buildID(filepath.Join(w.dir, name))
	}
	return ids
}

// binStamp is a binary's stamp, digest and, when known, build ID.
type binStamp struct {
	st      stamp.Stamp
	sum, id string
}

// touched reports whether binary name, unchanged before `go build` (see
// buildIDs), was at most touched by it: `go build` updates the times of
// an up-to-date output it does not write, and a binary it writes has a
// new build ID. Then its digest is the recorded one, without reading it.
func (w *workspace) touched(name, idBefore string) (binStamp, bool) {
	b, ok := w.unchanged[name]
	if !ok || idBefore == "" {
		return binStamp{}, false
	}
	bin := filepath.Join(w.dir, name)
	now, ok := stamp.Path(bin)
	if !ok || now.Ino != b.st.Ino || now.Size != b.st.Size || buildID(bin) != idBefore {
		return binStamp{}, false
	}
	return binStamp{now, b.sum, idBefore}, true
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
		if b, ok := w.touched(name, before[name]); ok {
			sums[name] = b.sum // the very bytes recorded: no need to read them
			w.seen[name] = b
			continue
		}
		st, _ := stamp.Path(bin)
		id := buildID(bin)
		if w.layered[name] && id != "" && id != before[name] {
			// Until hashed records it, no record: an old one would
			// call the new file damaged.
			os.Remove(w.sumPath(name))
			w.fresh[name] = binStamp{st: st, id: id}
			sums[name] = ""
			continue
		}
		got, err := layers.FileSum(bin)
		if err != nil {
			return nil, nil, fmt.Errorf("hashing the binary: %w", err)
		}
		rec, recErr := os.ReadFile(w.sumPath(name))
		want := strings.TrimSpace(string(rec))
		switch {
		case recErr == nil && want == got:
			sums[name] = got
			w.seen[name] = binStamp{st: st, sum: got, id: id}
		case before[name] != "" && id == before[name]:
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
			w.seen[name] = binStamp{st: st, sum: got, id: id}
		}
	}
	return sums, damaged, nil
}

// hashed records sum, the digest of fresh binary name its layer found
// (see settle), with the stamp the file had before it was read.
func (w *workspace) hashed(name, sum string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	b, ok := w.fresh[name]
	if !ok {
		return nil // recorded already, by another image of the same binary
	}
	delete(w.fresh, name)
	if err := os.WriteFile(w.sumPath(name), []byte(sum+"\n"), 0o644); err != nil {
		return fmt.Errorf("recording the binary's digest: %w", err)
	}
	b.sum = sum
	w.seen[name] = b
	return nil
}

// stampsName is the file in the workspace that records each binary's
// stamp with the digest and build ID (hex, "-" if unknown) it had then, a
// line per binary: NAME INO SIZE MTIME CTIME SUM ID. One file written once a build, not one per binary: at
// rest go build touches every binary, so each record changes every build,
// and a truncating write per binary cost milliseconds each on a busy
// ext4. The digest files stay apart, so that an older mingo sharing the
// cache still reads those it knows; its own .NAME.stamp files, no longer
// written, only ever match the very file they describe.
const stampsName = ".stamps"

// loadStamps returns the records of stampsName, read once.
func (w *workspace) loadStamps() map[string]binStamp {
	if w.recorded != nil {
		return w.recorded
	}
	w.recorded = map[string]binStamp{}
	rec, err := os.ReadFile(filepath.Join(w.dir, stampsName))
	if err != nil {
		return w.recorded
	}
	for _, line := range strings.Split(string(rec), "\n") {
		if name, b, ok := parseStamp(line); ok {
			w.recorded[name] = b
		}
	}
	return w.recorded
}

// parseStamp reads a line of stampsName.
func parseStamp(line string) (string, binStamp, bool) {
	var name, id string
	var b binStamp
	if _, err := fmt.Sscanf(line, "%s %d %d %d %d %s %s", &name, &b.st.Ino, &b.st.Size, &b.st.MTime, &b.st.CTime, &b.sum, &id); err != nil {
		return "", b, false
	}
	if id != "-" {
		raw, err := hex.DecodeString(id)
		if err != nil {
			return "", b, false
		}
		b.id = string(raw)
	}
	return name, b, true
}

// stamped returns the recorded stamp and digest of binary name when its
// stamp is still the one recorded with that digest and the digest file
// agrees: then the file is the one hashed. Any difference (a link, a
// damaged file, a copy) means hashing it.
func (w *workspace) stamped(name string) (binStamp, bool) {
	b, ok := w.loadStamps()[name]
	if !ok {
		return binStamp{}, false
	}
	now, ok := stamp.Path(filepath.Join(w.dir, name))
	if !ok || now != b.st || b.st == (stamp.Stamp{}) {
		return binStamp{}, false
	}
	digest, err := os.ReadFile(w.sumPath(name))
	if err != nil || strings.TrimSpace(string(digest)) != b.sum {
		return binStamp{}, false
	}
	return b, true
}

// recordStamps records, once the build is done, the stamp each binary had
// when its digest was settled, if it still has it (nothing wrote it since)
// and it is settled (a later write cannot share it); otherwise it drops
// any old record, so the next build hashes the file again. Recording
// late lets the times `go build` just set grow old enough. It needs no
// lock: a binary written since has another stamp, so a record written
// late never matches it, and a record another build loses to this one's
// write only costs a hash.
func (w *workspace) recordStamps(settled func(stamp.Stamp) bool) {
	recs := maps.Clone(w.loadStamps())
	for name, b := range w.seen {
		now, ok := stamp.Path(filepath.Join(w.dir, name))
		if !ok || now != b.st || !settled(b.st) {
			delete(recs, name)
			continue
		}
		recs[name] = b
	}
	if maps.Equal(recs, w.recorded) {
		return
	}
	var buf strings.Builder
	for _, name := range slices.Sorted(maps.Keys(recs)) {
		b := recs[name]
		id := cmp.Or(hex.EncodeToString([]byte(b.id)), "-")
		fmt.Fprintf(&buf, "%s %d %d %d %d %s %s\n", name, b.st.Ino, b.st.Size, b.st.MTime, b.st.CTime, b.sum, id)
	}
	// Best effort: without a record the next build hashes again.
	if atomicfile.WriteFile(filepath.Join(w.dir, stampsName), []byte(buf.String()), 0o644) == nil {
		w.recorded = recs
	}
}

// pendingStamps are the stamps recordStamps would record.
func (w *workspace) pendingStamps() []stamp.Stamp {
	sts := make([]stamp.Stamp, 0, len(w.seen))
	for _, b := range w.seen {
		sts = append(sts, b.st)
	}
	return sts
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
