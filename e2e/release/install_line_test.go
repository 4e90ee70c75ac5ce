package release

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"
)

// The README's install line, run by sh against a snapshot release of this
// checkout (.goreleaser.yaml narrowed to the host's platform) served on
// loopback: it downloads the archive and checksums.txt, checks the one
// against the other, and unpacks a mingo that runs; a tampered archive
// fails the check and unpacks nothing.
func TestREADMEInstallLine(t *testing.T) {
	const latest = "https://github.com/mingo-build/mingo/releases/latest/download"
	const install = "sudo mv mingo /usr/local/bin/"
	line := readmeInstallLine(t)
	if !strings.Contains(line, latest) || !strings.HasSuffix(line, install) {
		t.Fatalf("the README's install line %q does not download from %s and end with %q", line, latest, install)
	}
	if _, err := exec.LookPath("curl"); err != nil {
		unavailable(t, "curl, which the install line runs, is not installed: %v", err)
	}
	dist := snapshotRelease(t)
	archive := fmt.Sprintf("mingo_%s_%s.tar.gz", runtime.GOOS, runtime.GOARCH)
	if !exists(filepath.Join(dist, archive)) || !exists(filepath.Join(dist, "checksums.txt")) {
		t.Fatalf("the snapshot release has no %s and checksums.txt in %s", archive, dist)
	}
	tamper := false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := os.ReadFile(filepath.Join(dist, filepath.Base(r.URL.Path)))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		if tamper && strings.HasSuffix(r.URL.Path, ".tar.gz") {
			b = append(b, 0)
		}
		w.Write(b)
	}))
	defer srv.Close()
	script := strings.Replace(strings.Replace(line, latest, srv.URL, 1), install, "./mingo version", 1)

	dir := t.TempDir()
	out, err := sh(dir, script)
	if err != nil || !regexp.MustCompile(`(?m)^mingo \d+\.\d+\.\d+-snapshot`).MatchString(out) {
		t.Fatalf("the install line: %v\n%s", err, out)
	}

	tamper = true
	dir = t.TempDir()
	if out, err := sh(dir, script); err == nil {
		t.Fatalf("the install line took a tampered archive:\n%s", out)
	}
	if exists(filepath.Join(dir, "mingo")) {
		t.Error("the install line unpacked a tampered archive")
	}
}

// sh runs script with /bin/sh in dir and returns its combined output.
func sh(dir, script string) (string, error) {
	cmd := exec.Command("/bin/sh", "-c", script)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// snapshotRelease runs goreleaser release --snapshot for the host's platform
// only and returns its dist directory.
func snapshotRelease(t *testing.T) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(root, ".goreleaser.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	const targets = "    goos:\n      - linux\n      - darwin\n      - windows\n    goarch:\n      - amd64\n      - arm64\n"
	if !strings.Contains(string(raw), targets) {
		t.Fatalf(".goreleaser.yaml lists its targets differently from\n%s(teach this test)", targets)
	}
	host := fmt.Sprintf("    goos: [%s]\n    goarch: [%s]\n", runtime.GOOS, runtime.GOARCH)
	dist := t.TempDir()
	config := filepath.Join(t.TempDir(), "goreleaser.yaml")
	narrowed := strings.Replace(string(raw), targets, host, 1) + fmt.Sprintf("\ndist: %q\n", dist)
	if err := os.WriteFile(config, []byte(narrowed), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	start := time.Now()
	stdout, stderr, code := goRun(ctx, t, root, nil, goreleaserPkg, "release", "--snapshot", "--clean", "--skip=publish,validate", "--config", config)
	t.Logf("goreleaser release --snapshot (host platform): %s", time.Since(start).Round(time.Millisecond))
	if code != 0 {
		t.Fatalf("goreleaser release --snapshot: exit %d\n%s\n%s", code, stdout, stderr)
	}
	return dist
}

// readmeInstallLine returns the first command of the README's Quick start.
func readmeInstallLine(t *testing.T) string {
	t.Helper()
	f, err := os.Open(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	section, block := false, false
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "## "):
			section = line == "## Quick start"
		case section && line == "```":
			block = !block
		case section && block:
			return line
		}
	}
	t.Fatal("no command in the README's Quick start")
	return ""
}
