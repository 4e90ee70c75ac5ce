package e2e

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mingo-build/mingo/e2e/internal/harness"
)

// A fault-injecting proxy in front of the real registry: transient faults
// (bursts of 5xx and 429 every few requests, connections dropped
// mid-blob) are
// survived with the clean build's digest; persistent ones (always 5xx, a
// request that never ends) fail with a one-line error naming the registry,
// within the timeout, and leave no tag.
func TestRegistryFaults(t *testing.T) {
	requireEnv(t)
	proxy, err := harness.StartFaultProxy(t.TempDir(), env.reg)
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.Close()
	const timeout = 3 * time.Second
	// Each case pushes to a repository of its own, so its blobs really
	// upload (a registry skips those a repository already has).
	run := func(t *testing.T, tag string, verbose bool) (result, time.Duration) {
		args := []string{"build", ".", "--platform", "linux/amd64", "--insecure-registry", "-t", proxy.Host + "/e2e/faults-" + tag + ":v1"}
		if verbose {
			args = append(args, "-v")
		}
		start := time.Now()
		r := mingo(t, []string{"DOCKER_CONFIG=" + proxy.DockerConfigDir, "MINGO_REGISTRY_TIMEOUT=" + timeout.String()}, args...)
		return r, time.Since(start)
	}
	proxy.SetFault(harness.Fault{})
	clean, _ := run(t, "clean", false)
	if clean.err != nil {
		t.Fatalf("clean push through the proxy: %v\n%s", clean.err, clean.stderr)
	}
	want := digestOf(clean.stdout)
	var rows []string
	for _, tc := range []struct {
		name    string
		fault   harness.Fault
		survive bool
		want    string // in the error of a persistent fault
	}{
		{"503 on every 3rd request, 3 times", harness.Fault{Status: 503, Every: 3, Limit: 3}, true, ""},
		{"429 on every 3rd request, 3 times", harness.Fault{Status: 429, Every: 3, Limit: 3}, true, ""},
		{"500 on every 4th request, 3 times", harness.Fault{Status: 500, Every: 4, Limit: 3}, true, ""},
		{"502 on every 2nd upload, twice", harness.Fault{Status: 502, Every: 2, Limit: 2, UploadsOnly: true}, true, ""},
		{"connection dropped mid-blob, every 2nd upload, twice", harness.Fault{Drop: true, Every: 2, Limit: 2, UploadsOnly: true}, true, ""},
		{"connection dropped mid-blob, once", harness.Fault{Drop: true, Every: 1, Limit: 1, UploadsOnly: true}, true, ""},
		{"500 always", harness.Fault{Status: 500, Every: 1}, false, "transient failures, retried"},
		{"503 always", harness.Fault{Status: 503, Every: 1}, false, "transient failures, retried"},
		{"429 always", harness.Fault{Status: 429, Every: 1}, false, "transient failures, retried"},
		{"connection dropped mid-blob, always", harness.Fault{Drop: true, Every: 1, UploadsOnly: true}, false, "registry " + proxy.Host},
		{"stall forever, every request", harness.Fault{Stall: true, Every: 1}, false, "made no progress for 3s while"},
		{"stall forever mid-blob", harness.Fault{Stall: true, Every: 1, UploadsOnly: true}, false, "made no progress for 3s while uploading a blob to e2e/faults-stall-forever-mid-blob"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tag := strings.NewReplacer(" ", "-", ",", "").Replace(tc.name)
			proxy.SetFault(tc.fault)
			r, took := run(t, tag, tc.survive)
			injected := proxy.Injected.Load()
			proxy.SetFault(harness.Fault{})
			outcome := map[bool]string{true: "survived", false: "failed"}[r.err == nil]
			if r.err != nil {
				lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
				outcome += ": " + lines[len(lines)-1]
			}
			rows = append(rows, fmt.Sprintf("| %s | %d injected | %s in %v |", tc.name, injected, outcome, took.Round(100*time.Millisecond)))
			if tc.survive {
				if r.err != nil {
					t.Fatalf("a transient fault failed the push: %v\n%s", r.err, r.stderr)
				}
				if got := digestOf(r.stdout); got != want {
					t.Errorf("digest %s, want %s", got, want)
				}
				if injected > 0 && !strings.Contains(r.stderr, "registry "+proxy.Host+": ") {
					t.Errorf("-v does not show the retried failures:\n%s", r.stderr)
				}
			} else {
				if r.err == nil {
					t.Fatalf("a persistent fault did not fail the push:\n%s", r.stderr)
				}
				lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
				last := lines[len(lines)-1]
				if !strings.HasPrefix(last, "mingo: error: ") || !strings.Contains(last, "registry "+proxy.Host) || !strings.Contains(last, tc.want) {
					t.Errorf("last line %q, want a one-line error naming the registry and containing %q", last, tc.want)
				}
				if strings.Contains(r.stderr, "_state=") && !strings.Contains(r.stderr, "_state=REDACTED") {
					t.Errorf("an upload URL's state leaked: %s", r.stderr)
				}
				if limit := 2*timeout + 20*time.Second; took > limit {
					t.Errorf("took %v to fail, want under %v", took, limit)
				}
				t.Logf("error: %s", last)
			}
			if injected == 0 {
				t.Errorf("no fault was injected")
			}
			if r.err != nil || !tc.survive {
				// Nothing may have been tagged: ask the registry itself.
				if raw, err := skopeoMaybe(t, "inspect", "--raw", "--cert-dir", registryCertDir(t),
					"--authfile", filepath.Join(env.reg.DockerConfigDir, "config.json"), "docker://"+env.reg.Host+"/e2e/faults-"+tag+":v1"); err == nil {
					t.Errorf("a failed push wrote the tag: %s", raw)
				}
			}
		})
	}
	t.Logf("fault campaign:\n%s", strings.Join(rows, "\n"))
}
