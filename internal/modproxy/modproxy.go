// Package modproxy gives tests a Go module proxy that lives in the
// repository (testdata/proxy, made from the sources in testdata/modules)
// and a module cache of their own, so that a fixture with third-party
// dependencies builds the same on a new machine, offline, as on one whose
// module cache a previous run filled.
package modproxy

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// modulePath is the module whose testdata holds the proxy.
const modulePath = "github.com/mingo-build/mingo"

// Root returns the repository's top directory, found from the working
// directory (a test runs in its package's directory).
func Root() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && strings.HasPrefix(string(b), "module "+modulePath+"\n") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod of %s above the working directory", modulePath)
		}
		dir = parent
	}
}

// Env is the Go environment that makes the go command take modules from
// the repository's proxy only, into a new module cache that is removed
// when the test ends.
func Env(t testing.TB) []string {
	t.Helper()
	cache := t.TempDir()
	// The go command makes the module cache read-only; make it writable
	// again before TempDir's clean-up (registered first, so run last).
	t.Cleanup(func() { makeWritable(cache) })
	env, err := EnvIn(cache)
	if err != nil {
		t.Fatal(err)
	}
	return env
}

// EnvIn is Env with the module cache in the directory cache, for set-up
// code that has no testing.TB; RemoveAll removes it.
// Nothing is checked against the checksum database: the fixtures' go.sum
// files hold every hash, and the go command checks each download by it.
func EnvIn(cache string) ([]string, error) {
	root, err := Root()
	if err != nil {
		return nil, err
	}
	return []string{
		"GOPROXY=file://" + filepath.ToSlash(filepath.Join(root, "testdata", "proxy")),
		"GOSUMDB=off",
		"GONOSUMDB=",
		"GOPRIVATE=",
		"GOMODCACHE=" + cache,
		"GOTOOLCHAIN=local",
	}, nil
}

// RemoveAll removes dir, read-only module cache directories included.
func RemoveAll(dir string) error {
	makeWritable(dir)
	return os.RemoveAll(dir)
}

func makeWritable(dir string) {
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			os.Chmod(p, 0o755)
		}
		return nil
	})
}

// version is one module version of testdata/modules.
type version struct {
	path, version string
	files         map[string][]byte // by name relative to the module root
}

// Write makes a module proxy in dst from the module sources in src, laid
// out as src/MODULE@VERSION/...: for each version its .info, .mod and .zip
// files and the module's list. Its output depends only on src.
func Write(src, dst string) error {
	versions, err := readSources(src)
	if err != nil {
		return err
	}
	lists := map[string][]string{}
	for _, v := range versions {
		dir := filepath.Join(dst, filepath.FromSlash(v.path), "@v")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		z, err := zipOf(v)
		if err != nil {
			return err
		}
		info := fmt.Sprintf("{\"Version\":%q,\"Time\":\"2026-01-01T00:00:00Z\"}\n", v.version)
		for name, b := range map[string][]byte{".info": []byte(info), ".mod": v.files["go.mod"], ".zip": z} {
			if err := os.WriteFile(filepath.Join(dir, v.version+name), b, 0o644); err != nil {
				return err
			}
		}
		lists[dir] = append(lists[dir], v.version)
	}
	for dir, list := range lists {
		slices.Sort(list)
		if err := os.WriteFile(filepath.Join(dir, "list"), []byte(strings.Join(list, "\n")+"\n"), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// readSources reads every MODULE@VERSION directory under src.
func readSources(src string) ([]version, error) {
	var out []version
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() || !strings.Contains(d.Name(), "@") {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		mod, ver, _ := strings.Cut(filepath.ToSlash(rel), "@")
		v := version{path: mod, version: ver, files: map[string][]byte{}}
		err = filepath.WalkDir(p, func(f string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			name, _ := filepath.Rel(p, f)
			v.files[filepath.ToSlash(name)], err = os.ReadFile(f)
			return err
		})
		if v.files["go.mod"] == nil && err == nil {
			err = errors.New(p + " has no go.mod")
		}
		out = append(out, v)
		if err != nil {
			return err
		}
		return filepath.SkipDir
	})
	return out, err
}

// zipOf is the module zip of v, its files in name order with a fixed time.
func zipOf(v version) ([]byte, error) {
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, name := range sortedNames(v.files) {
		h := &zip.FileHeader{Name: v.path + "@" + v.version + "/" + name, Method: zip.Deflate, Modified: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
		f, err := w.CreateHeader(h)
		if err != nil {
			return nil, err
		}
		if _, err := f.Write(v.files[name]); err != nil {
			return nil, err
		}
	}
	err := w.Close()
	return buf.Bytes(), err
}

func sortedNames(files map[string][]byte) []string {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// SumLines are the go.sum lines of every module version in src: the h1
// hash of its files and of its go.mod, as the go command computes them.
func SumLines(src string) (string, error) {
	versions, err := readSources(src)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, v := range versions {
		prefix := v.path + "@" + v.version + "/"
		files := map[string][]byte{}
		for name, content := range v.files {
			files[prefix+name] = content
		}
		fmt.Fprintf(&b, "%s %s %s\n", v.path, v.version, hash1(files))
		fmt.Fprintf(&b, "%s %s/go.mod %s\n", v.path, v.version, hash1(map[string][]byte{"go.mod": v.files["go.mod"]}))
	}
	return b.String(), nil
}

// hash1 is golang.org/x/mod/sumdb/dirhash.Hash1: the SHA-256 of the
// sorted "SHA256  NAME" lines of the files.
func hash1(files map[string][]byte) string {
	h := sha256.New()
	for _, name := range sortedNames(files) {
		fmt.Fprintf(h, "%x  %s\n", sha256.Sum256(files[name]), path.Clean(name))
	}
	return "h1:" + base64.StdEncoding.EncodeToString(h.Sum(nil))
}
