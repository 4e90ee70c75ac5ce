package build

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/mingo-build/mingo/internal/atomicfile"
	"github.com/mingo-build/mingo/internal/layers"
	"github.com/mingo-build/mingo/internal/stamp"
)

// At rest, the two git commands of readVCS cost 15-20 ms of CPU while
// both go builds want the processors. What git answers (HEAD's hash and
// time, origin's URL) follows from a few files: the .git found from the
// directory up (and no other .git below it), HEAD, the branch's loose ref
// and packed-refs, the repository's and the user's git config, and the
// git binary. A memo keeps the answer with their stamps, and is used only
// while every one holds. Anything it cannot follow (a GIT_* variable, a
// config include, the reftable format, a symbolic branch) is a miss.

// vcsFile is a file git reads, as it was: its stamp, or absent.
type vcsFile struct {
	Path   string
	Stamp  stamp.Stamp `json:",omitempty"`
	Absent bool        `json:",omitempty"`
}

// vcsMemo is what a memo file under layers.VCSDir holds.
type vcsMemo struct {
	Files       []vcsFile
	Rev, Remote string
	Commit      int64
	Commit0     bool // no commit time
}

// memoVCS is what read (readVCS of dir) answers, through the memo under
// cacheDir ("" for none). An answer that is not final (git killed, or
// unable to start) is not kept, nor one that names a revision where
// gitFiles found no repository.
func memoVCS(cacheDir, dir string, read func() (vcsInfo, bool)) vcsInfo {
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		dir = real // git finds the repository from the real directory
	}
	paths, repo, ok := gitFiles(dir)
	if !ok || cacheDir == "" {
		v, _ := read()
		return v
	}
	sum := sha256.Sum256([]byte(dir))
	file := filepath.Join(cacheDir, layers.VCSDir, hex.EncodeToString(sum[:16]))
	before := stampFiles(paths)
	if b, err := os.ReadFile(file); err == nil {
		var m vcsMemo
		if json.Unmarshal(b, &m) == nil && slices.Equal(m.Files, before) {
			now := time.Now()
			_ = os.Chtimes(file, now, now) // used: kept by the trim
			return m.info()
		}
	}
	v, final := read()
	final = final && (repo || v.annots[AnnotationRevision] == "")
	// Config includes are checked only here: a memo's stamps hold only
	// while the configs are the ones checked.
	if after := stampFiles(paths); final && slices.Equal(before, after) && settledFiles(after) && noIncludes(paths) {
		m := vcsMemo{Files: after, Rev: v.annots[AnnotationRevision], Remote: v.annots[AnnotationSource], Commit: v.commit.Unix(), Commit0: v.commit.IsZero()}
		if b, err := json.Marshal(m); err == nil && os.MkdirAll(filepath.Dir(file), 0o755) == nil {
			_ = atomicfile.WriteFile(file, b, 0o644) // without it, the next build asks git
		}
	}
	return v
}

func (m *vcsMemo) info() vcsInfo {
	v := vcsInfo{annots: map[string]string{}}
	if m.Rev != "" {
		v.annots[AnnotationRevision] = m.Rev
	}
	if m.Remote != "" {
		v.annots[AnnotationSource] = m.Remote
	}
	if !m.Commit0 {
		v.commit = time.Unix(m.Commit, 0).UTC()
	}
	return v
}

// stampFiles stamps paths as they are now.
func stampFiles(paths []string) []vcsFile {
	out := make([]vcsFile, len(paths))
	for i, p := range paths {
		out[i].Path = p
		fi, err := os.Stat(p) // a symlink's target: HEAD may be one
		if err != nil {
			out[i].Absent = true
			continue
		}
		out[i].Stamp, _ = stamp.Of(fi)
		if fi.IsDir() {
			// A .git directory: git itself changes its entries (index.lock)
			// at every git status; what matters in it is stamped apart.
			out[i].Stamp = stamp.Stamp{Ino: out[i].Stamp.Ino}
		}
	}
	return out
}

// settledFiles reports whether every stamp is settled (see stamp.Settled),
// so that a change right after it was taken still shows.
func settledFiles(files []vcsFile) bool {
	now := time.Now()
	for _, f := range files {
		if !f.Absent && (f.Stamp.Ino == 0 || !f.Stamp.Settled(now)) {
			return false
		}
	}
	return true
}
