package main

import (
	"strings"
	"testing"
)

func TestKoDockerRepo(t *testing.T) {
	host := memRegistry(t)
	t.Setenv("KO_DOCKER_REPO", host+"/ko")
	stdout, stderr, err := run(t, "build", "./cmd/hello", "--platform", "linux/amd64")
	if err != nil {
		t.Fatalf("mingo build: %v\n%s", err, stderr)
	}
	// ko's default name: the md5 is md5sum(1)'s of example.com/mod/cmd/hello.
	hashed := host + "/ko/hello-949bb590143f3036eb0205c56b466fc2@sha256:"
	if !strings.HasPrefix(stdout, hashed) {
		t.Errorf("KO_DOCKER_REPO: stdout = %q, want %s...", stdout, hashed)
	}
	stdout, stderr, err = run(t, "build", "./cmd/hello", "--platform", "linux/amd64", "-B")
	if err != nil || !strings.HasPrefix(stdout, host+"/ko/hello@sha256:") {
		t.Errorf("-B: stdout = %q, %v\n%s", stdout, err, stderr)
	}
	stdout, stderr, err = run(t, "build", "./cmd/hello", "--platform", "linux/amd64", "--bare")
	if err != nil || !strings.HasPrefix(stdout, host+"/ko@sha256:") {
		t.Errorf("--bare: stdout = %q, %v\n%s", stdout, err, stderr)
	}
	stdout, stderr, err = run(t, "build", "./cmd/hello", "--platform", "linux/amd64", "-P")
	if err != nil || !strings.HasPrefix(stdout, host+"/ko/example.com/mod/cmd/hello@sha256:") {
		t.Errorf("-P: stdout = %q, %v\n%s", stdout, err, stderr)
	}
	stdout, stderr, err = run(t, "build", "./cmd/hello", "--platform", "linux/amd64", "-t", "v1", "-t", "v1.0")
	if err != nil || !strings.HasPrefix(stdout, hashed) {
		t.Errorf("-t v1 (bare, as ko takes it): stdout = %q, %v\n%s", stdout, err, stderr)
	}
	stdout, stderr, err = run(t, "build", "./cmd/hello", "--platform", "linux/amd64", "-t", host+"/other/hello:v1")
	if err != nil || !strings.HasPrefix(stdout, host+"/other/hello@sha256:") {
		t.Errorf("-t REF: stdout = %q, %v\n%s", stdout, err, stderr)
	}
	if _, _, err := run(t, "build", "./cmd/hello", "--bare", "-P"); err == nil {
		t.Error("--bare -P: no error")
	}
	if _, _, err := run(t, "build", "./cmd/hello", "-B", "-P"); err == nil {
		t.Error("-B -P: no error")
	}
}
