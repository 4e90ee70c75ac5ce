package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// koFixture is a ko project: a .ko.yaml with two builds in two modules
// (dir:), ldflags from {{.Env}}, and an app with a kodata directory.
const koFixture = "testdata/ko"

// koProject copies the ko fixture into a new directory, adding the
// symlink inside kodata that a fixture cannot hold portably.
func koProject(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "ko")
	if err := os.CopyFS(dir, os.DirFS(koFixture)); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("sub/nested.txt", filepath.Join(dir, "app", "kodata", "link.txt")); err != nil {
		t.Fatal(err)
	}
	return dir
}

// A ko project builds with nothing but KO_DOCKER_REPO set: both builds of
// its .ko.yaml, each in its module, named as ko names them,
// REPO/<binary>-<md5 of the import path> (the sums from md5sum(1)); the
// app's image reads its kodata (a file, a symlink, a subdirectory) and New
// York time.
func TestKoProject(t *testing.T) {
	requireEnv(t)
	ctx := context.Background()
	dir := koProject(t)
	repo := env.reg.Host + "/ko"
	r := mustRun(t, dir, "", []string{"KO_DOCKER_REPO=" + repo, "KO_E2E_VERSION=v9.8.7"}, "build")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	app, tool := repo+"/koapp-47f1dc29eeaf788d2589662fb2c443ad", repo+"/kotool-958b6ca2bf33046ea15f6edf15b2abc0"
	if len(lines) != 2 || !strings.HasPrefix(lines[0], app+"@sha256:") || !strings.HasPrefix(lines[1], tool+"@sha256:") {
		t.Fatalf("stdout = %q, want %s then %s", r.stdout, app, tool)
	}
	app, tool = app+":latest", tool+":latest"
	for _, ref := range []string{app, tool} {
		if _, err := env.docker.Run(ctx, env.reg.DockerConfigDir, "pull", ref); err != nil {
			t.Fatal(err)
		}
	}
	got, err := env.docker.Run(ctx, env.reg.DockerConfigDir, "run", "--rm", "--network", "none", app)
	want := "hello.txt: hello from kodata\nlink.txt: nested in kodata\nsub/nested.txt: nested in kodata\n" +
		"new york: 2023-11-14T17:13:20-05:00\nversion: v9.8.7"
	if err != nil || strings.TrimSpace(got) != want {
		t.Errorf("docker run %s: %v\n%s\nwant\n%s", app, err, got, want)
	}
	got, err = env.docker.Run(ctx, env.reg.DockerConfigDir, "run", "--rm", "--network", "none", tool)
	if err != nil || strings.TrimSpace(got) != "kotool v9.8.7 e2e" {
		t.Errorf("docker run %s: %q, %v; want the tool of the second module, tagged", tool, got, err)
	}
}

// What mingo cannot honour in a .ko.yaml is refused by name, with the
// entry and its line, before anything is built; so is a kodata symlink
// that leads out of the source tree.
func TestKoRefusals(t *testing.T) {
	requireEnv(t)
	dir := koProject(t)
	ko := filepath.Join(dir, ".ko.yaml")
	bad := "builds:\n  - id: app\n    dir: app\n    main: .\n    flags: [-toolexec=/usr/bin/true]\n"
	if err := os.WriteFile(ko, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runner(t, dir, "", []string{"KO_DOCKER_REPO=" + env.reg.Host + "/ko"}, "build", "--config", ko)
	if r.err == nil || !strings.Contains(r.stderr, ".ko.yaml:5: builds[0] (id app): flags: -toolexec=/usr/bin/true") || strings.Contains(r.stderr, "compiling") {
		t.Errorf("-toolexec: %v\n%s", r.err, r.stderr)
	}

	os.WriteFile(ko, []byte("builds:\n  - dir: app\n    main: .\n"), 0o644)
	outside := filepath.Join(t.TempDir(), "secret.txt")
	os.WriteFile(outside, []byte("secret"), 0o644)
	os.Symlink(outside, filepath.Join(dir, "app", "kodata", "secret.txt"))
	r = runner(t, dir, "", nil, "build", "--push=false")
	if r.err == nil || !strings.Contains(r.stderr, "secret.txt -> "+outside) || !strings.Contains(r.stderr, "outside the source tree") {
		t.Errorf("escaping kodata symlink: %v\n%s", r.err, r.stderr)
	}
}

// linux_capabilities in .ko.yaml grant the binary file its capabilities:
// a program run as user 1, with the container allowed NET_BIND_SERVICE,
// has it permitted and binds port 80; built without, it has none.
func TestKoCapabilities(t *testing.T) {
	requireEnv(t)
	ctx := context.Background()
	dir := filepath.Join(koProject(t), "caps")
	ko := filepath.Join(dir, ".ko.yaml")
	os.WriteFile(ko, []byte("builds:\n  - main: .\n    linux_capabilities: net_bind_service\n"), 0o644)
	repo := env.reg.Host + "/kocaps"
	mustRun(t, dir, "", []string{"KO_DOCKER_REPO=" + repo}, "build", "--platform", "linux/amd64")
	// -B names it as mingo does, ko's -B likewise: REPO/<binary>.
	r := mustRun(t, dir, "", []string{"KO_DOCKER_REPO=" + repo}, "build", "-B", "--platform", "linux/amd64")
	if !strings.HasPrefix(r.stdout, repo+"/caps@sha256:") {
		t.Errorf("-B: stdout %q, want %s/caps@sha256:...", r.stdout, repo)
	}
	os.Remove(ko)
	mustRun(t, dir, "", nil, "build", ".", "-t", repo+"/plain:v1", "--platform", "linux/amd64")
	for ref, want := range map[string]string{
		repo + "/caps-652a21201a80bdc2dd47b09914c577e4:latest": "CapPrm: 0000000000000400\nbind 80: ok",
		repo + "/plain:v1": "CapPrm: 0000000000000000\nbind 80: refused",
	} {
		if _, err := env.docker.Run(ctx, env.reg.DockerConfigDir, "pull", ref); err != nil {
			t.Fatal(err)
		}
		got, err := env.docker.Run(ctx, env.reg.DockerConfigDir, "run", "--rm", "--network", "none", "--user", "1",
			"--cap-add", "NET_BIND_SERVICE", "--sysctl", "net.ipv4.ip_unprivileged_port_start=1024", ref)
		if err != nil || strings.TrimSpace(got) != want {
			t.Errorf("docker run %s: %v\n%s\nwant\n%s", ref, err, got, want)
		}
	}
	r = runner(t, dir, "", nil, "build", ".", "--push=false", "--capabilities", "net_bind")
	if r.err == nil || !strings.Contains(r.stderr, `unknown capability "net_bind"`) {
		t.Errorf("--capabilities net_bind: %v\n%s", r.err, r.stderr)
	}
}

// --with puts a second program in the image, in its own layer: both run
// from one image, the entrypoint staying the first; verify rebuilds both.
func TestKoWith(t *testing.T) {
	requireEnv(t)
	ctx := context.Background()
	dir := filepath.Join(koProject(t), "app")
	ref := env.reg.Host + "/kowith/app:v1"
	mustRun(t, dir, "", nil, "build", ".", "--with", "./cmd/migrate", "-t", ref, "--platform", "linux/amd64")
	if _, err := env.docker.Run(ctx, env.reg.DockerConfigDir, "pull", ref); err != nil {
		t.Fatal(err)
	}
	got, err := env.docker.Run(ctx, env.reg.DockerConfigDir, "run", "--rm", "--network", "none", "--entrypoint", "/usr/local/bin/migrate", ref)
	if err != nil || strings.TrimSpace(got) != "migrate: done" {
		t.Errorf("--entrypoint /usr/local/bin/migrate: %q, %v", got, err)
	}
	got, err = env.docker.Run(ctx, env.reg.DockerConfigDir, "run", "--rm", "--network", "none", ref)
	if err != nil || !strings.Contains(got, "hello.txt: hello from kodata") {
		t.Errorf("the entrypoint: %q, %v", got, err)
	}
	if r := runner(t, dir, "", nil, "verify", ".", ref); r.err != nil || !strings.Contains(r.stdout, "match") {
		t.Errorf("verify: %v\n%s\n%s", r.err, r.stdout, r.stderr)
	}
	r := runner(t, dir, "", nil, "build", ".", "--with", "./...", "--push=false")
	if r.err == nil || !strings.Contains(r.stderr, "not a pattern") {
		t.Errorf("--with ./...: %v\n%s", r.err, r.stderr)
	}
}
