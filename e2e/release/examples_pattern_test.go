package release

import (
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// mingo build ./examples/... builds every example, each with its settings:
// examples/mingo.yaml gives datafiles its files and working directory.
func TestExamplesPattern(t *testing.T) {
	tmp := t.TempDir()
	mingo := filepath.Join(tmp, "mingo")
	build := exec.Command("go", "build", "-o", mingo, "./cmd/mingo")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/mingo: %v\n%s", err, out)
	}
	tarball := filepath.Join(tmp, "examples.tar")
	cmd := exec.Command(mingo, "build", "./examples/...", "--platform", "linux/amd64", "--tarball", tarball)
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("mingo build ./examples/...: %v\n%s", err, out)
	}
	if n := len(strings.Fields(string(out))); n != 4 {
		t.Errorf("mingo build ./examples/... printed %d results, want 4 (cli, datafiles, hello, server):\n%s", n, out)
	}
	files := readTar(t, tarball)
	var manifest []struct {
		Config   string
		RepoTags []string
		Layers   []string
	}
	mustJSON(t, files["manifest.json"], &manifest)
	var names []string
	for _, m := range manifest {
		names = append(names, m.RepoTags...)
		if !slices.Equal(m.RepoTags, []string{"mingo.local/datafiles:latest"}) {
			continue
		}
		var cfg struct {
			Config struct{ WorkingDir string } `json:"config"`
		}
		mustJSON(t, files[m.Config], &cfg)
		if cfg.Config.WorkingDir != "/srv" {
			t.Errorf("datafiles WorkingDir %q, want /srv (examples/mingo.yaml)", cfg.Config.WorkingDir)
		}
		rootfs := filepath.Join(tmp, "rootfs")
		for _, l := range m.Layers {
			unpackLayer(t, files[l], rootfs)
		}
		got := run(t, filepath.Join(rootfs, "srv"), "", filepath.Join(rootfs, "usr/local/bin/datafiles"), "-check")
		if !strings.Contains(got, filepath.Join(rootfs, "/srv/static/templates/index.html")+"\n") {
			t.Errorf("datafiles -check in the image's workdir does not find its template:\n%s", got)
		}
	}
	slices.Sort(names)
	want := []string{"mingo.local/cli:latest", "mingo.local/datafiles:latest", "mingo.local/hello:latest", "mingo.local/server:latest"}
	if !slices.Equal(names, want) {
		t.Errorf("the tarball holds %q, want %q", names, want)
	}
}
