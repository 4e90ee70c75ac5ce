package gotool

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/tools/go/packages"

	"github.com/mingo-build/mingo/internal/stamp"
)

// A source file saved while the go command runs may have been read before
// or after the change: its stamp, taken after, proves nothing. Such fresh
// files and directories are stamped before the go command too (those the
// last memo of the question named, and the hints), and a memo is written
// only if both agree.

// preStamps stamps, before the go command runs, the directories of the
// previous memo in file and hints.
func preStamps(file string, hints []string) map[string]dirStamp {
	out := map[string]dirStamp{}
	if file == "" {
		return out
	}
	dirs := hints
	if b, err := os.ReadFile(file); err == nil {
		var m memo
		if json.Unmarshal(b, &m) == nil {
			for _, d := range m.Dirs {
				dirs = append(dirs, d.Path)
			}
		}
	}
	now := time.Now()
	for _, d := range dirs {
		if _, ok := out[d]; !ok {
			if s, ok := stampDir(d, now); ok {
				out[d] = s
			}
		}
	}
	return out
}

// newMemo is the memo of answer, which the go command started at start
// gave from dirs and the go.mod files goMods; nil when a directory cannot
// be read or a fresh one is not what it was before (pre).
func newMemo(answer any, dirs, goMods []string, pre map[string]dirStamp, start time.Time) *memo {
	b, err := json.Marshal(answer)
	if err != nil {
		return nil
	}
	m := &memo{Answer: b}
	seen := map[string]bool{}
	for _, d := range dirs {
		if seen[d] {
			continue
		}
		seen[d] = true
		s, ok := stampDir(d, start)
		if !ok || !agrees(s, pre[d]) {
			return nil
		}
		m.Dirs = append(m.Dirs, s)
	}
	for _, f := range goMods {
		if !seen[f] {
			seen[f] = true
			st, _ := stamp.Path(f)
			if !st.Settled(start) {
				return nil // a module edited now: next time
			}
			m.Files = append(m.Files, fileStamp{Path: f, Stamp: st, Sum: contentSum(f)})
		}
	}
	return m
}

// agrees reports whether what is fresh in post (a zero stamp) was the
// same before the go command ran.
func agrees(post, pre dirStamp) bool {
	if post.Stamp == (stamp.Stamp{}) && (pre.Path == "" || pre.Entries != post.Entries) {
		return false
	}
	before := map[string]string{}
	for _, f := range pre.Go {
		before[f.Path] = f.Sum
	}
	for _, f := range post.Go {
		if f.Stamp == (stamp.Stamp{}) {
			if sum, ok := before[f.Path]; !ok || sum != f.Sum {
				return false
			}
		}
	}
	return true
}

// fromModuleCache reports whether a package of the module at version,
// replaced by a directory or not, lives in the module cache, which the go
// command keeps read-only: its directories need no stamps.
func fromModuleCache(dir, version string, replacedByDir bool) bool {
	return version != "" && !replacedByDir && !strings.Contains(filepath.ToSlash(dir), "/vendor/")
}

// treeDirs are the directories under root a "..." pattern may match:
// the go command skips those whose names start with "." or "_", and
// testdata. ok is false when the tree cannot be walked.
func treeDirs(root string) ([]string, bool) {
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		if n := d.Name(); p != root && (strings.HasPrefix(n, ".") || strings.HasPrefix(n, "_") || n == "testdata") {
			return filepath.SkipDir
		}
		out = append(out, p)
		return nil
	})
	return out, err == nil
}

// patternDirs are the directories of the local patterns without "...":
// stamped before the go command, so that one just edited can be memoized.
func patternDirs(dir string, patterns []string) []string {
	var out []string
	for _, p := range patterns {
		if isLocal(p) && !strings.Contains(p, "...") {
			out = append(out, absIn(dir, p))
		}
	}
	return out
}

func isLocal(pattern string) bool {
	return pattern == "." || pattern == ".." || strings.HasPrefix(pattern, "./") || strings.HasPrefix(pattern, "../") || filepath.IsAbs(pattern)
}

func absIn(dir, p string) string {
	if !filepath.IsAbs(p) {
		p = filepath.Join(dir, p)
	}
	abs, _ := filepath.Abs(p)
	return abs
}

// loadedDirs are the source directories of a load: each package's, but
// for the module cache's, and every directory a local "..." pattern
// walks. ok is false for what cannot be memoized: errors, a package with
// no files to place it, a "..." over import paths.
func loadedDirs(dir string, patterns []string, pkgs []*packages.Package) (dirs, goMods []string, ok bool) {
	if len(pkgs) == 0 {
		return nil, nil, false
	}
	for _, p := range patterns {
		if !strings.Contains(p, "...") {
			continue
		}
		if !isLocal(p) {
			return nil, nil, false
		}
		tree, ok := treeDirs(absIn(dir, strings.TrimSuffix(strings.TrimSuffix(p, "..."), "/")))
		if !ok {
			return nil, nil, false
		}
		dirs = append(dirs, tree...)
	}
	for _, p := range pkgs {
		files := append(append(append([]string{}, p.GoFiles...), p.OtherFiles...), p.IgnoredFiles...)
		if len(p.Errors) > 0 || len(files) == 0 {
			return nil, nil, false
		}
		m := p.Module
		if m != nil && fromModuleCache(files[0], m.Version, m.Replace != nil && m.Replace.Version == "") {
			continue
		}
		dirs = append(dirs, filepath.Dir(files[0]))
		if m != nil && m.GoMod != "" {
			goMods = append(goMods, m.GoMod)
		}
		dirs = append(dirs, embedDirs(filepath.Dir(files[0]), p.EmbedFiles)...)
	}
	return dirs, goMods, true
}

// listedDirs is loadedDirs for `go list` (without "..." patterns).
func listedDirs(args []string, pkgs []*ListedPackage) (dirs, goMods []string, ok bool) {
	for _, a := range args {
		if strings.Contains(a, "...") {
			return nil, nil, false
		}
	}
	for _, p := range pkgs {
		if p.Error != nil || p.Dir == "" {
			return nil, nil, false
		}
		if p.Standard {
			continue // GOROOT's: the go binary's stamp is in the key
		}
		m := p.Module
		if m != nil && fromModuleCache(p.Dir, m.Version, m.Replace != nil && m.Replace.Version == "") {
			continue
		}
		dirs = append(dirs, p.Dir)
		if m != nil && m.GoMod != "" {
			goMods = append(goMods, m.GoMod)
		}
		dirs = append(dirs, embedDirs(p.Dir, p.EmbedFiles)...)
	}
	return dirs, goMods, true
}

// embedDirs are the directories between dir and each embedded file, whose
// entries a //go:embed pattern matches.
func embedDirs(dir string, files []string) []string {
	var out []string
	for _, f := range files {
		if !filepath.IsAbs(f) {
			f = filepath.Join(dir, f)
		}
		for d := filepath.Dir(f); len(d) > len(dir) && strings.HasPrefix(d, dir); d = filepath.Dir(d) {
			out = append(out, d)
		}
	}
	return out
}
