package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

// The manifests TestResolve rewrites: references with both schemes, in
// plain and quoted styles, one package named twice, comments and strings
// that only look like references.
var resolveFiles = []struct{ name, data string }{
	{"a-deployment.yaml", `# The probe, deployed.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: probe   # stays
spec:
  template:
    spec:
      containers:
        - name: probe
          image: ko://example.com/probe
          args: ["hello"]
        - name: alpha
          image: "mingo://example.com/probe/cmd/alpha"  # quoted
`},
	{"b-job.yml", `apiVersion: batch/v1
kind: Job
metadata: {name: beta}
spec:
  template:
    spec:
      containers:
        - image: 'mingo://example.com/probe/cmd/beta'
        - image: ko://example.com/probe/cmd/alpha
      restartPolicy: Never
`},
	{"c-configmap.yaml", `---
# Settings; not an image.
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  note: "docs at mingo://example.com is not a reference"   # trailing comment
  mode: |
    multi-line
    text
---
apiVersion: v1
kind: ConfigMap
metadata: {name: empty}
`},
}

// mingo resolve on a directory: every reference becomes the pushed digest,
// which the registry serves and Docker runs; the rest is byte for byte the
// input.
func TestResolve(t *testing.T) {
	requireEnv(t)
	dir := t.TempDir()
	for _, f := range resolveFiles {
		if err := os.WriteFile(filepath.Join(dir, f.name), []byte(f.data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A "---" line between files, except before one that starts with it.
	joined := resolveFiles[0].data + "---\n" + resolveFiles[1].data + resolveFiles[2].data
	repo := env.reg.Host + "/e2e/resolve"
	r := mingo(t, nil, "resolve", "-f", dir, "--repo", repo, "--platform", "linux/amd64,linux/arm64")
	if r.err != nil {
		t.Fatalf("mingo resolve: %v\n%s", r.err, r.stderr)
	}
	refs := map[string]string{}
	for _, m := range regexp.MustCompile(regexp.QuoteMeta(repo)+`/(\w+)@sha256:[0-9a-f]{64}`).FindAllStringSubmatch(r.stdout, -1) {
		refs[m[1]] = m[0]
	}
	if len(refs) != 3 {
		t.Fatalf("references in the output: %v, want probe, alpha and beta\n%s", refs, r.stdout)
	}
	want := strings.NewReplacer(
		"ko://example.com/probe/cmd/alpha", refs["alpha"],
		"mingo://example.com/probe/cmd/alpha", refs["alpha"],
		"mingo://example.com/probe/cmd/beta", refs["beta"],
		"ko://example.com/probe\n", refs["probe"]+"\n",
	).Replace(joined)
	if r.stdout != want {
		t.Errorf("output is not the input with the references replaced:\n%s\nwant:\n%s", r.stdout, want)
	}
	dec := yaml.NewDecoder(strings.NewReader(r.stdout))
	docs := 0
	for {
		var v any
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("output does not parse: %v", err)
		}
		docs++
	}
	if docs != 4 {
		t.Errorf("output has %d documents, want 4", docs)
	}
	ctx := context.Background()
	for bin, ref := range refs {
		_, digest, _ := strings.Cut(ref, "@")
		if got := fmt.Sprintf("sha256:%x", sha256.Sum256(inspectRaw(t, ref))); got != digest {
			t.Errorf("%s: the registry serves %s", ref, got)
		}
		if _, err := env.docker.Run(ctx, env.reg.DockerConfigDir, "pull", ref); err != nil {
			t.Fatal(err)
		}
		got, err := env.docker.Run(ctx, env.reg.DockerConfigDir, "run", "--rm", "--network", "none", ref)
		wantOut := bin
		if bin == "probe" {
			wantOut = "probe linux/amd64"
		}
		if err != nil || strings.TrimSpace(got) != wantOut {
			t.Errorf("docker run %s: %q, %v; want %q", ref, got, err, wantOut)
		}
	}
}

// A reference to a package that is not main fails with its file and line
// and pushes nothing; invalid YAML names its file and line.
func TestResolveErrors(t *testing.T) {
	requireEnv(t)
	dir := t.TempDir()
	good := filepath.Join(dir, "a.yaml")
	bad := filepath.Join(dir, "b.yaml")
	if err := os.WriteFile(good, []byte("image: mingo://example.com/probe/cmd/gamma\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte("# a library\nkind: Pod\nimage: ko://example.com/probe/lib\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	repo := env.reg.Host + "/e2e/resolvebad"
	r := mingo(t, nil, "resolve", "-f", dir, "--repo", repo)
	if r.err == nil || r.stdout != "" {
		t.Fatalf("resolve with a library reference: %v, stdout %q", r.err, r.stdout)
	}
	if want := "mingo: error: " + bad + ":3: ko://example.com/probe/lib: "; !strings.HasPrefix(r.stderr, want) || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
		t.Errorf("stderr = %q, want one line starting %q", r.stderr, want)
	}
	if repos := catalog(t); strings.Contains(strings.Join(repos, ","), "e2e/resolvebad") {
		t.Errorf("the registry has %v after a failed resolve", repos)
	}

	if err := os.WriteFile(bad, []byte("kind: Pod\nspec:\n  image: x\n   name: y\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r = mingo(t, nil, "resolve", "-f", bad, "--repo", repo)
	if want := "mingo: error: " + bad + ":4: invalid YAML"; r.err == nil || !strings.HasPrefix(r.stderr, want) || r.stdout != "" {
		t.Errorf("invalid YAML: %v, stdout %q, stderr %q, want %q", r.err, r.stdout, r.stderr, want)
	}

	// A 5 MB input is refused at once, naming the file and the limit.
	huge := filepath.Join(dir, "huge.yaml")
	if err := os.WriteFile(huge, []byte("items:\n"+strings.Repeat("  - image: mingo://example.com/probe/cmd/gamma\n", 5<<20/47)), 0o644); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	r = mingo(t, nil, "resolve", "-f", huge, "--repo", repo)
	if want := "mingo: error: " + huge + ": too large: more than 4 MiB"; r.err == nil || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 || !strings.HasPrefix(r.stderr, want) || r.stdout != "" {
		t.Errorf("5 MB input: %v, stdout %q, stderr %q, want one line starting %q", r.err, r.stdout, r.stderr, want)
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("took %v to refuse a 5 MB input", took)
	}
}

// catalog lists the test registry's repositories.
func catalog(t *testing.T) []string {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, "https://"+env.reg.Host+"/v2/_catalog?n=1000", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(env.reg.User, env.reg.Password)
	resp, err := env.reg.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var c struct{ Repositories []string }
	if err := json.NewDecoder(bytes.NewReader(b)).Decode(&c); err != nil {
		t.Fatalf("catalog: %v: %s", err, b)
	}
	return c.Repositories
}
