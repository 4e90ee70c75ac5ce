package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// mingoBinary builds the command once per test binary run.
func mingoBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "mingo")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func TestProgressDisplay(t *testing.T) {
	if _, err := exec.LookPath("script"); err != nil {
		t.Fatalf("script (util-linux) is needed to run mingo under a pseudo-terminal: %v", err)
	}
	bin := mingoBinary(t)
	args := []string{"build", "./cmd/hello", "--push=false", "--platform", "linux/amd64,linux/arm64"}
	env := append(os.Environ(), "MINGO_CACHE="+t.TempDir(), "TERM=xterm")

	// Under a pseudo-terminal: a live block redrawn with cursor movements.
	cmdline := bin + " " + strings.Join(args, " ")
	tty := exec.Command("script", "-qfec", cmdline, "/dev/null")
	tty.Dir, tty.Env = testModule, env
	out, err := tty.CombinedOutput()
	if err != nil {
		t.Fatalf("mingo under script: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "\x1b[2A\x1b[J") || !regexp.MustCompile(`linux/amd64 +built, `).Match(out) || !strings.Contains(string(out), "sizes (compressed):") {
		t.Errorf("terminal output lacks the live display:\n%q", out)
	}

	// Without a terminal: plain lines, no escape codes.
	var stdout, stderr bytes.Buffer
	plain := exec.Command(bin, args...)
	plain.Dir, plain.Env, plain.Stdout, plain.Stderr = testModule, env, &stdout, &stderr
	if err := plain.Run(); err != nil {
		t.Fatalf("mingo: %v\n%s", err, stderr.String())
	}
	if strings.Contains(stderr.String(), "\x1b[") {
		t.Errorf("escape codes in plain output:\n%q", stderr.String())
	}
	for _, want := range []string{"linux/arm64: compiling example.com/mod/cmd/hello\n", "linux/amd64: built, "} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("plain output lacks %q:\n%s", want, stderr.String())
		}
	}
	// A layer of a few hundred bytes is shown in bytes, not as 0.4 KiB.
	if !regexp.MustCompile(`= identity \d{3} B \+ tzdata`).MatchString(stderr.String()) {
		t.Errorf("plain output lacks the identity layer's size in bytes:\n%s", stderr.String())
	}
	if !regexp.MustCompile(`^sha256:[0-9a-f]{64}\n$`).MatchString(stdout.String()) {
		t.Errorf("stdout = %q", stdout.String())
	}

	// -q: the digest and nothing else, even on a terminal.
	quiet := exec.Command("script", "-qfec", cmdline+" -q", "/dev/null")
	quiet.Dir, quiet.Env = testModule, env
	out, err = quiet.CombinedOutput()
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^sha256:[0-9a-f]{64}\r?\n$`).Match(out) {
		t.Errorf("-q printed %q", out)
	}
}

func TestHelpAndCompletion(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"build", "--help"}} {
		stdout, _, err := run(t, args...)
		if err != nil || !strings.Contains(stdout, "Examples:") || !strings.Contains(stdout, "mingo build ./cmd/... --repo") {
			t.Errorf("mingo %v: %v\n%s", args, err, stdout)
		}
	}
	for shell, want := range map[string]string{"bash": "__start_mingo", "zsh": "#compdef mingo", "fish": "complete -c mingo"} {
		stdout, _, err := run(t, "completion", shell)
		if err != nil || !strings.Contains(stdout, want) {
			t.Errorf("mingo completion %s: %v, output lacks %q", shell, err, want)
		}
	}
}
