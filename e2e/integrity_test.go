package e2e

import (
	"archive/tar"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// Each kind of damage to mingo's cache is reported on the next build,
// which succeeds with the digest of a clean build; its tarball, layout
// and pushed blobs all hash to their digests.
func TestCacheCorruption(t *testing.T) {
	requireEnv(t)
	cache := t.TempDir()
	repo := env.reg.Host + "/e2e/integrity"
	build := func(tag string) (result, string) {
		out := t.TempDir()
		r := mingo(t, []string{"MINGO_CACHE=" + cache}, "build", ".", "--platform", "linux/amd64",
			"-t", repo+":"+tag, "--tarball", filepath.Join(out, "img.tar"), "--oci-layout", filepath.Join(out, "layout"))
		return r, out
	}
	r, _ := build("clean")
	if r.err != nil {
		t.Fatalf("clean build: %v\n%s", r.err, r.stderr)
	}
	want := digestOf(r.stdout)
	for _, tc := range []struct {
		name   string
		damage func(t *testing.T)
		warn   string
	}{
		{"same-size blob damage", func(t *testing.T) { damageFile(t, largest(t, filepath.Join(cache, "blobs", "sha256", "*")), false) }, "layer cache:"},
		{"truncated blob", func(t *testing.T) { damageFile(t, largest(t, filepath.Join(cache, "blobs", "sha256", "*")), true) }, "layer cache:"},
		{"damaged cached binary", func(t *testing.T) { damageFile(t, largest(t, filepath.Join(cache, "bin", "*", "probe")), false) }, "binary cache:"},
		{"garbage key record", func(t *testing.T) {
			keys, _ := filepath.Glob(filepath.Join(cache, "keys", "*"))
			for _, k := range keys {
				if err := os.WriteFile(k, []byte("\x00not json"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}, "layer cache: unreadable record"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.damage(t)
			tag := strings.ReplaceAll(tc.name, " ", "-")
			r, out := build(tag)
			if r.err != nil {
				t.Fatalf("build after damage failed: %v\n%s", r.err, r.stderr)
			}
			if !strings.Contains(r.stderr, "warning: "+tc.warn) {
				t.Errorf("stderr does not report the damage (%q):\n%s", tc.warn, r.stderr)
			}
			if got := digestOf(r.stdout); got != want {
				t.Errorf("digest %s after damage, want %s", got, want)
			}
			verifyLayoutBlobs(t, filepath.Join(out, "layout"))
			verifyTarballBlobs(t, filepath.Join(out, "img.tar"))
			pulled := t.TempDir()
			skopeo(t, "copy", "--all", "--src-cert-dir", registryCertDir(t),
				"--src-authfile", filepath.Join(env.reg.DockerConfigDir, "config.json"),
				"docker://"+repo+":"+tag, "oci:"+pulled)
			if n := verifyLayoutBlobs(t, pulled); n < 3 {
				t.Errorf("pulled only %d blobs", n)
			}
		})
	}
}

// digestOf is the sha256:... of a result line, REPO@DIGEST or DIGEST.
func digestOf(stdout string) string {
	line := strings.TrimSpace(stdout)
	if i := strings.LastIndex(line, "@"); i >= 0 {
		return line[i+1:]
	}
	return line
}

// largest returns the biggest file matching pattern: the binary's layer
// among the cached blobs.
func largest(t *testing.T, pattern string) string {
	t.Helper()
	files, _ := filepath.Glob(pattern)
	if len(files) == 0 {
		t.Fatalf("nothing matches %s", pattern)
	}
	sort.Slice(files, func(i, j int) bool { return size(files[i]) > size(files[j]) })
	return files[0]
}

func size(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return -1
	}
	return fi.Size()
}

// damageFile overwrites bytes in the middle of path, keeping its size,
// or cuts its second half.
func damageFile(t *testing.T, path string, truncate bool) {
	t.Helper()
	n := size(path)
	if truncate {
		if err := os.Truncate(path, n/2); err != nil {
			t.Fatal(err)
		}
		return
	}
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt([]byte("DAMAGED!"), n/2); err != nil {
		t.Fatal(err)
	}
}

// verifyLayoutBlobs hashes every blob of an OCI layout against its name
// and returns how many there are.
func verifyLayoutBlobs(t *testing.T, dir string) int {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "blobs", "sha256", "*"))
	for _, p := range files {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		checkBlob(t, p, filepath.Base(p), f)
		f.Close()
	}
	if len(files) == 0 {
		t.Errorf("no blobs in %s", dir)
	}
	return len(files)
}

// verifyTarballBlobs hashes every blob of a mingo tarball.
func verifyTarballBlobs(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr := tar.NewReader(f)
	n := 0
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if hex, ok := strings.CutPrefix(h.Name, "blobs/sha256/"); ok && hex != "" {
			checkBlob(t, path+":"+h.Name, hex, tr)
			n++
		}
	}
	if n == 0 {
		t.Errorf("no blobs in %s", path)
	}
}

func checkBlob(t *testing.T, name, hex string, r io.Reader) {
	t.Helper()
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprintf("%x", h.Sum(nil)); got != hex {
		t.Errorf("%s hashes to %s", name, got)
	}
}
