package e2e

import (
	"strings"
	"testing"
)

// --insecure-registry talks to a registry whose CA is not trusted.
func TestInsecureRegistry(t *testing.T) {
	requireEnv(t)
	repo := env.reg.Host + "/e2e/insecure"
	r := mingo(t, []string{"SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"}, "build", ".", "-t", repo+":v1", "--insecure-registry", "--platform", "linux/amd64")
	if r.err != nil {
		t.Fatalf("mingo --insecure-registry: %v\n%s", r.err, r.stderr)
	}
	if !strings.HasPrefix(r.stdout, repo+"@sha256:") {
		t.Errorf("stdout = %q", r.stdout)
	}
}
