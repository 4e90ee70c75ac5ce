package release

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// examples/Makefile, run with the mingo of this checkout.

func TestExamplesMakefile(t *testing.T) {
	tmp := t.TempDir()
	mingo := filepath.Join(tmp, "mingo")
	build := exec.Command("go", "build", "-o", mingo, "./cmd/mingo")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/mingo: %v\n%s", err, out)
	}
	examples := filepath.Join(root, "examples")
	out := filepath.Join(tmp, "out")
	const tag = "v0.0.0-test"

	start := time.Now()
	stdout, stderr, err := makeIn(examples, "tarball", "MINGO="+mingo, "OUT="+out, "PLATFORMS=linux/amd64", "TAG="+tag)
	if err != nil {
		t.Fatalf("make tarball: %v\n%s\n%s", err, stdout, stderr)
	}
	t.Logf("make -C examples tarball: %s", time.Since(start).Round(time.Millisecond))

	images := map[string]*image{}
	for _, name := range []string{"cli", "server", "datafiles"} {
		img := loadImage(t, filepath.Join(out, name+".tar"), filepath.Join(tmp, "rootfs-"+name))
		if want := "mingo.local/" + name + ":" + tag; !slices.Equal(img.repoTags, []string{want}) {
			t.Errorf("%s.tar is tagged %q, want %s", name, img.repoTags, want)
		}
		images[name] = img
	}

	// cli: the version stamped by the Makefile, and the tool works.
	cli := filepath.Join(images["cli"].rootfs, "usr/local/bin/cli")
	if got := run(t, "", "", cli, "-version"); got != "cli "+tag+"\n" {
		t.Errorf("cli -version = %q, want %q", got, "cli "+tag+"\n")
	}
	if got := strings.Fields(run(t, "", "one two\n", cli)); !slices.Equal(got, []string{"1", "2", "8"}) {
		t.Errorf("cli on stdin: %q, want 1 2 8", got)
	}

	// server: what it needs is in the image, and its version is stamped.
	srv := images["server"].rootfs
	for _, f := range []string{"usr/share/zoneinfo/Europe/Paris", "etc/ssl/certs/ca-certificates.crt"} {
		if !exists(filepath.Join(srv, f)) {
			t.Errorf("server image has no /%s", f)
		}
	}
	if b, err := os.ReadFile(filepath.Join(srv, "usr/local/bin/server")); err != nil || !bytes.Contains(b, []byte(tag)) {
		t.Errorf("server binary does not hold its version %s (%v)", tag, err)
	}

	// datafiles: the files are where the program looks, from the workdir.
	df := images["datafiles"]
	if df.workingDir != "/srv" {
		t.Errorf("datafiles WorkingDir %q, want /srv", df.workingDir)
	}
	got := run(t, filepath.Join(df.rootfs, "srv"), "", filepath.Join(df.rootfs, "usr/local/bin/datafiles"), "-check")
	for _, f := range []string{"/srv/static/templates/index.html", "/srv/static/public/hello.txt", "/srv/static/public/style.css"} {
		if !strings.Contains(got, filepath.Join(df.rootfs, f)+"\n") {
			t.Errorf("datafiles -check in the image's workdir does not list %s:\n%s", f, got)
		}
	}

	// Defaults: TAG from git describe; image without REGISTRY refuses.
	describe := "dev"
	if b, err := exec.Command("git", "-C", examples, "describe", "--tags", "--always", "--dirty").Output(); err == nil {
		describe = strings.TrimSpace(string(b))
	}
	stdout, stderr, err = makeIn(examples, "-n", "tarball", "MINGO="+mingo)
	if err != nil {
		t.Fatalf("make -n tarball: %v\n%s", err, stderr)
	}
	if !strings.Contains(stdout, "-t 'mingo.local/cli:"+describe+"'") || !strings.Contains(stdout, "--platform 'linux/amd64,linux/arm64'") {
		t.Errorf("make -n tarball: want tag %s (git describe) and both default platforms:\n%s", describe, stdout)
	}
	if _, stderr, err = makeIn(examples, "image", "MINGO="+mingo); err == nil || !strings.Contains(stderr, "set REGISTRY") {
		t.Errorf("make image without REGISTRY: err %v, stderr %q; want a failure that says to set REGISTRY", err, stderr)
	}
	stdout, _, err = makeIn(examples, "-n", "push", "MINGO=mingo", "REGISTRY=registry.example.com/team", "TAG=v1")
	if err != nil || !strings.Contains(stdout, "mingo build ./server -t 'registry.example.com/team/server:v1'") || strings.Contains(stdout, "--push=false") {
		t.Errorf("make -n push: %v\n%s", err, stdout)
	}
	stdout, _, err = makeIn(examples, "-n", "load", "MINGO=mingo", "OUT=o", "TAG=v1")
	if err != nil || !strings.Contains(stdout, "docker load -i 'o/datafiles.tar'") {
		t.Errorf("make -n load: %v\n%s", err, stdout)
	}
}

// makeIn runs make -C dir ARGS with none of the Makefile's variables (nor
// an outer make's flags) inherited from the environment.
func makeIn(dir string, args ...string) (stdout, stderr string, err error) {
	cmd := exec.Command("make", append([]string{"--no-print-directory", "-C", dir}, args...)...)
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "MINGO", "REGISTRY", "TAG", "PLATFORMS", "OUT", "MAKEFLAGS", "MFLAGS", "MAKELEVEL":
			continue
		}
		cmd.Env = append(cmd.Env, kv)
	}
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return o.String(), e.String(), err
}

type image struct {
	repoTags   []string
	workingDir string
	rootfs     string
}

// loadImage reads the host-platform image of a docker-load tarball and
// unpacks its layers, in order, under rootfs.
func loadImage(t *testing.T, path, rootfs string) *image {
	t.Helper()
	files := readTar(t, path)
	var manifest []struct {
		Config   string
		RepoTags []string
		Layers   []string
	}
	mustJSON(t, files["manifest.json"], &manifest)
	if len(manifest) != 1 {
		t.Fatalf("%s: %d images in manifest.json, want 1", path, len(manifest))
	}
	var cfg struct {
		Config struct{ WorkingDir string } `json:"config"`
	}
	mustJSON(t, files[manifest[0].Config], &cfg)
	for _, l := range manifest[0].Layers {
		unpackLayer(t, files[l], rootfs)
	}
	return &image{repoTags: manifest[0].RepoTags, workingDir: cfg.Config.WorkingDir, rootfs: rootfs}
}

func unpackLayer(t *testing.T, blob []byte, dir string) {
	t.Helper()
	var r io.Reader = bytes.NewReader(blob)
	if len(blob) > 2 && blob[0] == 0x1f && blob[1] == 0x8b {
		zr, err := gzip.NewReader(r)
		if err != nil {
			t.Fatal(err)
		}
		r = zr
	}
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Clean(strings.TrimPrefix(h.Name, "/"))
		if !filepath.IsLocal(name) {
			t.Fatalf("layer entry %q escapes the root", h.Name)
		}
		p := filepath.Join(dir, name)
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, b, os.FileMode(h.Mode).Perm()|0o200); err != nil {
				t.Fatal(err)
			}
		case tar.TypeSymlink:
			os.MkdirAll(filepath.Dir(p), 0o755)
			os.Remove(p)
			if err := os.Symlink(h.Linkname, p); err != nil {
				t.Fatal(err)
			}
		}
	}
}
