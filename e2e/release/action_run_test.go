package release

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mingo-build/mingo/e2e/internal/harness"
)

// Running action.yml's steps as GitHub does, against a tarball and against
// a real registry.

type actionRun struct {
	outputs   map[string]string
	rawOutput string // the GITHUB_OUTPUT file
	log       string
	failed    string // the step that failed, "" when all passed
}

// runAction runs action.yml's run: steps in order, as a GitHub runner runs a
// composite action's steps: each with its env: (inputs substituted, from
// inputs or the defaults), in the workspace (the repository root), with
// bash --noprofile --norc -eo pipefail. uses: steps are skipped: Go is
// installed already. It stops at the first step that fails.
func runAction(t *testing.T, inputs map[string]string, extraEnv ...string) actionRun {
	t.Helper()
	a := loadAction(t)
	values := map[string]string{}
	for name, in := range a.Inputs {
		values[name] = in.Default
	}
	for k, v := range inputs {
		if _, ok := a.Inputs[k]; !ok {
			t.Fatalf("test gives input %q, which action.yml does not declare", k)
		}
		values[k] = v
	}

	tmp := t.TempDir()
	runnerTemp := filepath.Join(tmp, "runner-temp")
	dockerConfig := filepath.Join(tmp, "docker-config")
	for _, d := range []string{runnerTemp, dockerConfig} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	outFile := filepath.Join(tmp, "github-output")
	if err := os.WriteFile(outFile, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "GITHUB_") || strings.HasPrefix(k, "RUNNER_") || strings.HasPrefix(k, "INPUT_") ||
			k == "DOCKER_CONFIG" || k == "SSL_CERT_FILE" {
			continue
		}
		env = append(env, kv)
	}
	env = append(env,
		"GITHUB_ACTIONS=true",
		"GITHUB_ACTION_PATH="+root,
		"GITHUB_ACTION_REF=v1-test",
		"GITHUB_WORKSPACE="+root,
		"GITHUB_OUTPUT="+outFile,
		"RUNNER_TEMP="+runnerTemp,
		"DOCKER_CONFIG="+dockerConfig,
	)
	env = append(env, extraEnv...)

	var res actionRun
	var log strings.Builder
	for i, st := range a.Runs.Steps {
		if st.Uses != "" {
			fmt.Fprintf(&log, "### step %d %s: uses %s: skipped, Go is installed\n", i+1, st.Name, st.Uses)
			continue
		}
		stepEnv := slices.Clone(env)
		for k, v := range st.Env {
			stepEnv = append(stepEnv, k+"="+substitute(t, v, values))
		}
		script := filepath.Join(tmp, fmt.Sprintf("step-%d.sh", i+1))
		if err := os.WriteFile(script, []byte(st.Run), 0o644); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		cmd := exec.CommandContext(ctx, "bash", "--noprofile", "--norc", "-eo", "pipefail", script)
		cmd.Dir = root
		cmd.Env = stepEnv
		cmd.WaitDelay = 5 * time.Second
		fmt.Fprintf(&log, "### step %d %s\n", i+1, st.Name)
		start := time.Now()
		out, err := cmd.CombinedOutput()
		cancel()
		log.Write(out)
		fmt.Fprintf(&log, "### step %d: %v in %s\n", i+1, errOrOK(err), time.Since(start).Round(time.Millisecond))
		if err != nil {
			res.failed = st.Name
			break
		}
	}
	res.log = log.String()
	raw, err := os.ReadFile(outFile)
	if err != nil {
		t.Fatal(err)
	}
	res.rawOutput = string(raw)
	res.outputs = parseGitHubOutput(t, raw)
	return res
}

func errOrOK(err error) any {
	if err == nil {
		return "ok"
	}
	return err
}

// substitute evaluates the inputs.NAME expressions of an env: value, as the
// runner does before the step starts.
func substitute(t *testing.T, v string, values map[string]string) string {
	t.Helper()
	return exprRE.ReplaceAllStringFunc(v, func(e string) string {
		m := inputExprRE.FindStringSubmatch(exprRE.FindStringSubmatch(e)[1])
		if m == nil {
			t.Fatalf("env value %q: this runner evaluates only inputs.NAME", v)
		}
		return values[m[1]]
	})
}

// parseGitHubOutput reads a GITHUB_OUTPUT file: NAME=VALUE lines and
// NAME<<DELIMITER ... DELIMITER blocks.
func parseGitHubOutput(t *testing.T, b []byte) map[string]string {
	t.Helper()
	out := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			continue
		}
		eq := strings.Index(line, "=")
		heredoc := strings.Index(line, "<<")
		if heredoc >= 0 && (eq < 0 || heredoc < eq) {
			name, delim := line[:heredoc], line[heredoc+2:]
			var val []string
			closed := false
			for sc.Scan() {
				if sc.Text() == delim {
					closed = true
					break
				}
				val = append(val, sc.Text())
			}
			if !closed {
				t.Fatalf("GITHUB_OUTPUT: %s<<%s not closed:\n%s", name, delim, b)
			}
			out[name] = strings.Join(val, "\n")
			continue
		}
		if eq < 0 {
			t.Fatalf("GITHUB_OUTPUT: malformed line %q", line)
		}
		out[line[:eq]] = line[eq+1:]
	}
	return out
}

var sha256RE = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)

func TestActionTarball(t *testing.T) {
	tarball := filepath.Join(t.TempDir(), "not", "yet", "hello.tar")
	res := runAction(t, map[string]string{
		"package": "./examples/hello",
		"tags":    "registry.example.com/team/hello:v1, registry.example.com/team/hello:latest\n\n",
		"push":    "false",
		"tarball": tarball,
		// spaces within an argument stay in it; blanks around it go
		"args":      "  --env=GREETING=hello world  \n--label=org.example.team=a b",
		"platforms": "linux/amd64,\n linux/arm64",
	})
	if res.failed != "" {
		t.Fatalf("step %q failed:\n%s", res.failed, res.log)
	}
	t.Logf("action log:\n%s", res.log)

	if !strings.Contains(res.log, "mingo v1-test (") {
		t.Error("the Build mingo step did not stamp GITHUB_ACTION_REF into mingo version")
	}
	digest := res.outputs["digest"]
	if !sha256RE.MatchString(digest) {
		t.Fatalf("digest output %q, want sha256:<64 hex>; GITHUB_OUTPUT:\n%s", digest, res.rawOutput)
	}
	if res.rawOutput != "digest="+digest+"\n" {
		t.Errorf("GITHUB_OUTPUT = %q, want the one line digest=%s", res.rawOutput, digest)
	}

	files := readTar(t, tarball)
	var manifest []struct {
		Config   string
		RepoTags []string
	}
	mustJSON(t, files["manifest.json"], &manifest)
	if len(manifest) != 1 || !slices.Equal(manifest[0].RepoTags, []string{"registry.example.com/team/hello:v1", "registry.example.com/team/hello:latest"}) {
		t.Errorf("manifest.json: %+v, want one image tagged with both tags", manifest)
	}
	var index struct {
		Manifests []struct{ Digest string }
	}
	mustJSON(t, files["index.json"], &index)
	if len(index.Manifests) == 0 || index.Manifests[0].Digest != digest {
		t.Fatalf("index.json %s does not hold the digest output %s", files["index.json"], digest)
	}
	var platforms struct {
		Manifests []struct {
			Platform struct{ OS, Architecture string }
		}
	}
	mustJSON(t, files["blobs/sha256/"+strings.TrimPrefix(digest, "sha256:")], &platforms)
	var got []string
	for _, m := range platforms.Manifests {
		got = append(got, m.Platform.OS+"/"+m.Platform.Architecture)
	}
	if !slices.Equal(got, []string{"linux/amd64", "linux/arm64"}) {
		t.Errorf("index platforms %q, want linux/amd64 linux/arm64", got)
	}
	if len(manifest) == 1 {
		var cfg struct {
			Config struct {
				Env    []string
				Labels map[string]string
			} `json:"config"`
		}
		mustJSON(t, files[manifest[0].Config], &cfg)
		if !slices.Contains(cfg.Config.Env, "GREETING=hello world") || cfg.Config.Labels["org.example.team"] != "a b" {
			t.Errorf("args input: env %q, labels %v; want GREETING=hello world and org.example.team=a b", cfg.Config.Env, cfg.Config.Labels)
		}
	}
}

// TestActionInputsAreData gives inputs that would run commands if a step
// interpolated them into its script.
func TestActionInputsAreData(t *testing.T) {
	mark := filepath.Join(t.TempDir(), "pwned")
	inject := "$(touch " + mark + ")`touch " + mark + "`;touch " + mark
	for _, tc := range []struct {
		name   string
		inputs map[string]string
		step   string
	}{
		{"tags", map[string]string{"package": "./examples/hello", "push": "false", "tags": "registry.example.com/x:v1" + inject}, "Build and push"},
		{"package", map[string]string{"package": "./examples/hello" + inject, "push": "false"}, "Build and push"},
		// A package that looks like a flag stays a package: taken as a flag,
		// --help would print the help and succeed.
		{"package flag", map[string]string{"package": "--help", "push": "false"}, "Build and push"},
		{"args", map[string]string{"package": "./examples/hello", "push": "false", "args": "--label=x=" + inject}, ""},
		{"push", map[string]string{"package": "./examples/hello", "push": "false" + inject}, "Build and push"},
		{"login", map[string]string{"registry": "127.0.0.1:1" + inject, "username": "u" + inject, "password": "p\n" + inject}, "Log in to the registry"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := runAction(t, tc.inputs)
			if exists(mark) {
				t.Fatalf("input %s ran a command:\n%s", tc.name, res.log)
			}
			if res.failed != tc.step {
				t.Errorf("failed step %q, want %q\n%s", res.failed, tc.step, res.log)
			}
			if tc.name == "login" && strings.Contains(res.log, "p\n"+inject) {
				t.Error("the password appears in the log")
			}
		})
	}
}

func TestActionPushMustBeBoolean(t *testing.T) {
	res := runAction(t, map[string]string{"package": "./examples/hello", "push": "yes"})
	if res.failed != "Build and push" || !strings.Contains(res.log, "push input must be true or false") {
		t.Errorf("push=yes: failed step %q\n%s", res.failed, res.log)
	}
}

// TestActionRegistry logs in to a real registry (TLS from a test CA, basic
// auth) with the action's login step and pushes with its build step.
func TestActionRegistry(t *testing.T) {
	if reason := harness.Unavailable(); reason != "" {
		unavailable(t, "%s", reason)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	if err := harness.EnsurePackages(ctx, t.Logf); err != nil {
		t.Fatal(err)
	}
	reg, err := harness.StartRegistry(ctx, t.TempDir(), harness.RegistryOptions{TLS: true, Auth: true})
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	caEnv := "SSL_CERT_FILE=" + reg.CAFile
	login := map[string]string{"registry": reg.Host, "username": reg.User, "password": reg.Password}
	with := func(m map[string]string) map[string]string {
		out := maps.Clone(login)
		maps.Copy(out, m)
		return out
	}

	t.Run("full tag", func(t *testing.T) {
		res := runAction(t, with(map[string]string{
			"package": "./examples/hello", "platforms": "linux/amd64",
			"tags": reg.Host + "/team/hello:v1",
		}), caEnv)
		if res.failed != "" {
			t.Fatalf("step %q failed:\n%s", res.failed, res.log)
		}
		if strings.Contains(res.log, reg.Password) {
			t.Error("the password appears in the log")
		}
		digest := res.outputs["digest"]
		repo, dgst, _ := strings.Cut(digest, "@")
		if repo != reg.Host+"/team/hello" || !sha256RE.MatchString(dgst) {
			t.Fatalf("digest output %q, want %s/team/hello@sha256:...\n%s", digest, reg.Host, res.log)
		}
		if got := registryDigest(t, reg, "team/hello", "v1"); got != dgst {
			t.Errorf("registry has team/hello:v1 at %s, the action said %s", got, dgst)
		}
	})

	t.Run("repo and bare tags", func(t *testing.T) {
		res := runAction(t, with(map[string]string{
			"package": "./examples/hello", "platforms": "linux/amd64",
			"repo": reg.Host + "/team", "tags": "v2\nlatest",
		}), caEnv)
		if res.failed != "" {
			t.Fatalf("step %q failed:\n%s", res.failed, res.log)
		}
		digest := res.outputs["digest"]
		repo, dgst, _ := strings.Cut(digest, "@")
		if repo != reg.Host+"/team/hello" || !sha256RE.MatchString(dgst) {
			t.Fatalf("digest output %q, want %s/team/hello@sha256:...\n%s", digest, reg.Host, res.log)
		}
		for _, tag := range []string{"v2", "latest"} {
			if got := registryDigest(t, reg, "team/hello", tag); got != dgst {
				t.Errorf("registry has team/hello:%s at %s, the action said %s", tag, got, dgst)
			}
		}
	})

	// Several images: one stdout line each, so the output takes the
	// NAME<<DELIMITER form.
	t.Run("several packages", func(t *testing.T) {
		res := runAction(t, with(map[string]string{
			"package": "./examples/...", "platforms": "linux/amd64",
			"repo": reg.Host + "/many", "tags": "v3",
		}), caEnv)
		if res.failed != "" {
			t.Fatalf("step %q failed:\n%s", res.failed, res.log)
		}
		if !strings.HasPrefix(res.rawOutput, "digest<<") {
			t.Errorf("GITHUB_OUTPUT %q: want the digest<<DELIMITER form for several lines", res.rawOutput)
		}
		var names []string
		for _, line := range strings.Split(res.outputs["digest"], "\n") {
			repo, dgst, _ := strings.Cut(line, "@")
			name, ok := strings.CutPrefix(repo, reg.Host+"/many/")
			if !ok || !sha256RE.MatchString(dgst) {
				t.Errorf("digest line %q, want %s/many/NAME@sha256:...", line, reg.Host)
				continue
			}
			if got := registryDigest(t, reg, "many/"+name, "v3"); got != dgst {
				t.Errorf("registry has many/%s:v3 at %s, the action said %s", name, got, dgst)
			}
			names = append(names, name)
		}
		slices.Sort(names)
		if want := []string{"cli", "datafiles", "hello", "server"}; !slices.Equal(names, want) {
			t.Errorf("images %q, want %q\n%s", names, want, res.log)
		}
	})

	t.Run("wrong password", func(t *testing.T) {
		res := runAction(t, with(map[string]string{
			"package": "./examples/hello", "platforms": "linux/amd64",
			"tags": reg.Host + "/team/hello:never", "password": "wrong-" + reg.Password,
		}), caEnv)
		if res.failed != "Log in to the registry" {
			t.Fatalf("failed step %q, want the login step\n%s", res.failed, res.log)
		}
		if _, ok := res.outputs["digest"]; ok {
			t.Error("a digest was output after a failed login")
		}
	})
}

// registryDigest returns the digest the registry serves for repo:ref.
func registryDigest(t *testing.T, reg *harness.Registry, repo, ref string) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodHead, reg.URL()+"/v2/"+repo+"/manifests/"+ref, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(reg.User+":"+reg.Password)))
	req.Header.Set("Accept", strings.Join([]string{
		"application/vnd.oci.image.index.v1+json", "application/vnd.oci.image.manifest.v1+json",
		"application/vnd.docker.distribution.manifest.list.v2+json", "application/vnd.docker.distribution.manifest.v2+json",
	}, ", "))
	resp, err := reg.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("HEAD %s: %s", req.URL, resp.Status)
	}
	return resp.Header.Get("Docker-Content-Digest")
}
