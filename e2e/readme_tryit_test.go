package e2e

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The README's try-it command and make -C examples tarball, in a fresh
// shell whose PATH has go but not $(go env GOPATH)/bin.
func TestTryItFreshShell(t *testing.T) {
	requireEnv(t)
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	cmdline := readmeTryIt(t, filepath.Join(root, "README.md"))
	tarball := regexp.MustCompile(`--tarball (\S+)`).FindStringSubmatch(cmdline)
	if tarball == nil || !filepath.IsAbs(tarball[1]) || strings.HasPrefix(tarball[1], root) {
		t.Fatalf("the README's try-it writes %v, want a file outside the work tree", tarball)
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatal(err)
	}
	goEnv := freshGoEnv(t)
	shell := []string{"PATH=" + filepath.Dir(goBin) + ":/usr/sbin:/usr/bin:/sbin:/bin", "GOTOOLCHAIN=local"}
	shell = append(shell, goEnv...)
	sh := func(script string) result {
		cmd := exec.Command("/bin/sh", "-c", script)
		cmd.Dir = root
		cmd.Env = shell // env -i: nothing but this
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		return result{stdout.String(), stderr.String(), err}
	}
	if r := sh("command -v mingo"); r.err == nil {
		t.Fatalf("mingo is on the fresh shell's PATH: %s", r.stdout)
	}
	defer os.Remove(tarball[1])
	if r := sh(cmdline); r.err != nil || !digestRE.MatchString(r.stdout) {
		t.Fatalf("%s: %v\n%s%s", cmdline, r.err, r.stdout, r.stderr)
	}
	if _, err := os.Stat(tarball[1]); err != nil {
		t.Errorf("try-it wrote no tarball: %v", err)
	}
	out := t.TempDir()
	r := sh("make -C examples tarball PLATFORMS=linux/amd64 OUT=" + out)
	if r.err != nil {
		t.Fatalf("make -C examples tarball: %v\n%s%s", r.err, r.stdout, r.stderr)
	}
	for _, n := range []string{"cli", "server", "datafiles"} {
		if _, err := os.Stat(filepath.Join(out, n+".tar")); err != nil {
			t.Error(err)
		}
	}
}

// readmeTryIt returns the command of the README's "Try it" section.
func readmeTryIt(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	section, block := false, false
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "## "):
			section = strings.HasPrefix(line, "## Try it")
		case section && line == "```":
			block = !block
		case section && block:
			return line
		}
	}
	t.Fatal("no command in the README's Try it section")
	return ""
}
