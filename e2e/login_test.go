package e2e

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// mingo login writes a Docker config that mingo build (and skopeo) use.
func TestLogin(t *testing.T) {
	requireEnv(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"experimental":"enabled"}`), 0o600)
	login := func(password string) result {
		cmd := exec.Command(env.mingo, "login", env.reg.Host, "-u", env.reg.User, "--password-stdin")
		cmd.Env = append(os.Environ(), "DOCKER_CONFIG="+dir, "SSL_CERT_FILE="+env.reg.CAFile)
		cmd.Stdin = strings.NewReader(password + "\n")
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		return result{stdout.String(), stderr.String(), err}
	}
	if r := login("not-the-password"); r.err == nil || !strings.Contains(r.stderr, "rejected the credentials") {
		t.Fatalf("login with a wrong password: %v %q", r.err, r.stderr)
	}
	r := login(env.reg.Password)
	if r.err != nil {
		t.Fatalf("mingo login: %v\n%s", r.err, r.stderr)
	}
	if strings.Contains(r.stderr+r.stdout, env.reg.Password) {
		t.Error("mingo login printed the password")
	}
	cfg, _ := os.ReadFile(filepath.Join(dir, "config.json"))
	if !strings.Contains(string(cfg), `"experimental": "enabled"`) {
		t.Errorf("login dropped other settings: %s", cfg)
	}
	if fi, _ := os.Stat(filepath.Join(dir, "config.json")); fi.Mode().Perm() != 0o600 {
		t.Errorf("config mode %v, want 0600", fi.Mode().Perm())
	}
	if b := mingo(t, []string{"DOCKER_CONFIG=" + dir}, "build", ".", "-t", env.reg.Host+"/e2e/login:v1", "--platform", "linux/amd64"); b.err != nil {
		t.Errorf("push with the saved credentials: %v\n%s", b.err, b.stderr)
	}
}
