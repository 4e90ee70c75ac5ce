// Package release tests what mingo ships for its users' pipelines and for its
// own releases: the composite GitHub Action (action.yml), the example
// workflow and Makefile under examples/, and .goreleaser.yaml.
//
// The tools run at pinned versions through the Go module proxy (go run
// module@version, which leaves go.mod alone): actionlint and GoReleaser.
// actionlint checks shell scripts with Debian's shellcheck, installed with
// apt-get when missing and running as root. When something cannot be had,
// the test skips loudly, or fails with CI=true.
//
// The action's run: steps are executed as GitHub runs them (bash --noprofile
// --norc -eo pipefail), with inputs substituted into their env: blocks only,
// against a tarball and against a real registry with TLS and basic auth
// (e2e/internal/harness).
package release

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"debug/elf"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/mingo-build/mingo/e2e/internal/harness"
)

// Pinned tools. GoReleaser v2.17.0 and later need go.digitalxero.dev/go-msix,
// which the module proxy refuses (403), and v2.18 needs Go 1.27.
const (
	actionlintPkg = "github.com/rhysd/actionlint/cmd/actionlint@v1.7.12"
	goreleaserPkg = "github.com/goreleaser/goreleaser/v2@v2.16.0"
)

// root is the repository root.
var root string

func TestMain(m *testing.M) {
	wd, err := os.Getwd()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	root = filepath.Clean(filepath.Join(wd, "..", ".."))
	os.Exit(m.Run())
}

// ---------------------------------------------------------------------------
// The environment: what cannot run here skips loudly, or fails in CI.

func unavailable(t *testing.T, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") == "true" {
		t.Fatalf("cannot run in CI: %s", msg)
	}
	t.Skipf("\n*** SKIPPING %s: %s ***\n*** CI=true makes this a failure. ***", t.Name(), msg)
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

var aptMu sync.Mutex

// ensureDebianFile installs the Debian package pkg when path is missing, as
// root with apt-get; otherwise the test is unavailable. It takes the same
// lock file as e2e/internal/harness, so that test binaries running at once
// do not fight over dpkg.
func ensureDebianFile(t *testing.T, pkg, path string) {
	t.Helper()
	if exists(path) {
		return
	}
	if runtime.GOOS != "linux" || os.Geteuid() != 0 || !exists("/usr/bin/apt-get") {
		unavailable(t, "%s is missing (Debian package %s), and installing it needs root and apt-get on Linux", path, pkg)
	}
	aptMu.Lock()
	defer aptMu.Unlock()
	lock, err := os.OpenFile(filepath.Join(os.TempDir(), "mingo-harness-apt.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN) //nolint:errcheck
	if exists(path) {
		return
	}
	apt := func(args ...string) error {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "/usr/bin/apt-get", append([]string{"-o", "DPkg::Lock::Timeout=300"}, args...)...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		out, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("apt-get %s: %v\n%s", strings.Join(args, " "), err, tail(out, 30))
		}
		return nil
	}
	t.Logf("installing Debian package %s (missing %s)", pkg, path)
	if err := apt("install", "-y", "--no-install-recommends", pkg); err != nil {
		if err := apt("update"); err != nil {
			t.Fatal(err)
		}
		if err := apt("install", "-y", "--no-install-recommends", pkg); err != nil {
			t.Fatal(err)
		}
	}
	if !exists(path) {
		t.Fatalf("%s still missing after installing %s", path, pkg)
	}
}

func tail(b []byte, n int) string {
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// ---------------------------------------------------------------------------
// YAML

// loadYAML decodes the YAML file at path into v; strict rejects keys that v
// has no field for.
func loadYAML(t *testing.T, path string, v any, strict bool) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(strict)
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v (a key this test does not know: teach it, or drop the key)", path, err)
	}
}

// ---------------------------------------------------------------------------
// action.yml

type actionFile struct {
	Name        string                 `yaml:"name"`
	Description string                 `yaml:"description"`
	Author      string                 `yaml:"author"`
	Branding    map[string]string      `yaml:"branding"`
	Inputs      map[string]actionInput `yaml:"inputs"`
	Outputs     map[string]struct {
		Description string `yaml:"description"`
		Value       string `yaml:"value"`
	} `yaml:"outputs"`
	Runs struct {
		Using string       `yaml:"using"`
		Steps []actionStep `yaml:"steps"`
	} `yaml:"runs"`
}

type actionInput struct {
	Description string `yaml:"description"`
	Required    string `yaml:"required"`
	Default     string `yaml:"default"`
}

type actionStep struct {
	Name             string            `json:"name,omitempty" yaml:"name"`
	ID               string            `json:"id,omitempty" yaml:"id"`
	If               string            `json:"if,omitempty" yaml:"if"`
	Uses             string            `json:"uses,omitempty" yaml:"uses"`
	With             map[string]string `json:"with,omitempty" yaml:"with"`
	Run              string            `json:"run,omitempty" yaml:"run"`
	Shell            string            `json:"shell,omitempty" yaml:"shell"`
	Env              map[string]string `json:"env,omitempty" yaml:"env"`
	WorkingDirectory string            `json:"working-directory,omitempty" yaml:"working-directory"`
}

func loadAction(t *testing.T) *actionFile {
	t.Helper()
	var a actionFile
	loadYAML(t, filepath.Join(root, "action.yml"), &a, true)
	return &a
}

var (
	exprRE      = regexp.MustCompile(`\$\{\{\s*(.*?)\s*\}\}`)
	inputExprRE = regexp.MustCompile(`^inputs\.([A-Za-z0-9_-]+)$`)
)

func TestActionMetadata(t *testing.T) {
	a := loadAction(t)
	if a.Name == "" || a.Description == "" {
		t.Errorf("name %q, description %q: GitHub requires both", a.Name, a.Description)
	}
	if a.Runs.Using != "composite" {
		t.Errorf("runs.using = %q, want composite", a.Runs.Using)
	}

	wantDefaults := map[string]string{
		"package": ".", "tags": "", "repo": "", "platforms": "linux/amd64,linux/arm64",
		"base": "distroless", "push": "true", "tarball": "", "args": "",
		"registry": "", "username": "", "password": "", "go-version": "stable",
	}
	if got, want := slices.Sorted(maps.Keys(a.Inputs)), slices.Sorted(maps.Keys(wantDefaults)); !slices.Equal(got, want) {
		t.Errorf("inputs %q, want %q", got, want)
	}
	for name, in := range a.Inputs {
		if in.Description == "" {
			t.Errorf("input %s has no description", name)
		}
		if want, ok := wantDefaults[name]; ok && in.Default != want {
			t.Errorf("input %s: default %q, want %q", name, in.Default, want)
		}
		if in.Required == "true" {
			t.Errorf("input %s is required; every input has a default or may be empty", name)
		}
	}

	if got := a.Outputs["digest"].Value; got != "${{ steps.build.outputs.digest }}" {
		t.Errorf("outputs.digest.value = %q, want ${{ steps.build.outputs.digest }}", got)
	}

	used := map[string]bool{}
	checkValue := func(where, v string) {
		for _, m := range exprRE.FindAllStringSubmatch(v, -1) {
			in := inputExprRE.FindStringSubmatch(m[1])
			if in == nil {
				t.Errorf("%s: expression %q: only inputs.NAME may be used here", where, m[0])
				continue
			}
			if _, ok := a.Inputs[in[1]]; !ok {
				t.Errorf("%s: %s is not a declared input", where, m[0])
			}
			used[in[1]] = true
		}
	}
	ids := map[string]bool{}
	var setupGo int
	for i, st := range a.Runs.Steps {
		where := fmt.Sprintf("step %d (%s)", i+1, st.Name)
		if st.ID != "" {
			ids[st.ID] = true
		}
		if st.If != "" {
			t.Errorf("%s: if: %q; keep conditions in the script, where they are tested", where, st.If)
		}
		switch {
		case st.Uses != "" && st.Run != "":
			t.Errorf("%s has both uses and run", where)
		case st.Uses != "":
			if !strings.HasPrefix(st.Uses, "actions/setup-go@v") {
				t.Errorf("%s uses %s; only actions/setup-go is expected", where, st.Uses)
			}
			setupGo++
			if st.With["go-version"] != "${{ inputs.go-version }}" {
				t.Errorf("%s: go-version %q, want ${{ inputs.go-version }}", where, st.With["go-version"])
			}
			for k, v := range st.With {
				checkValue(where+" with."+k, v)
			}
		case st.Run != "":
			if st.Shell != "bash" {
				t.Errorf("%s: shell %q, want bash", where, st.Shell)
			}
			if st.WorkingDirectory != "" {
				t.Errorf("%s: working-directory %q: the workspace is expected", where, st.WorkingDirectory)
			}
			if strings.Contains(st.Run, "${{") {
				t.Errorf("%s: run: holds an expression; pass it through env: (script injection)", where)
			}
			for k, v := range st.Env {
				checkValue(where+" env."+k, v)
			}
			cmd := exec.Command("bash", "-n")
			cmd.Stdin = strings.NewReader(st.Run)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("%s: bash -n: %v\n%s", where, err, out)
			}
		default:
			t.Errorf("%s has neither uses nor run", where)
		}
	}
	if setupGo != 1 {
		t.Errorf("%d actions/setup-go steps, want 1", setupGo)
	}
	if !ids["build"] {
		t.Error("no step with id build, which outputs.digest reads")
	}
	for name := range a.Inputs {
		if !used[name] {
			t.Errorf("input %s is declared but no step uses it", name)
		}
	}

	// No other expression anywhere in the file, comments included.
	raw, err := os.ReadFile(filepath.Join(root, "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range exprRE.FindAllStringSubmatch(string(raw), -1) {
		if m[1] != "steps.build.outputs.digest" && inputExprRE.FindStringSubmatch(m[1]) == nil {
			t.Errorf("action.yml: unexpected expression %q", m[0])
		}
	}
}

// ---------------------------------------------------------------------------
// actionlint

type lintError struct {
	Message  string `json:"message"`
	Filepath string `json:"filepath"`
	Line     int    `json:"line"`
	Column   int    `json:"column"`
	Kind     string `json:"kind"`
}

func (e lintError) String() string {
	return fmt.Sprintf("%s:%d:%d: %s [%s]", filepath.Base(e.Filepath), e.Line, e.Column, e.Message, e.Kind)
}

// goRun runs go run PKG ARGS in dir and returns stdout, stderr and the exit
// status (-1 when it did not run).
func goRun(ctx context.Context, t *testing.T, dir string, env []string, pkg string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.CommandContext(ctx, "go", append([]string{"run", pkg}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return o.String(), e.String(), 0
	case errors.As(err, &exit):
		return o.String(), e.String(), exit.ExitCode()
	default:
		t.Fatalf("go run %s: %v\n%s", pkg, err, e.String())
		return "", "", -1
	}
}

// TestActionlint lints, in a scratch repository:
//   - the example workflow, as it is;
//   - the same workflow using the action from ./, which makes actionlint
//     read action.yml and check its metadata and the inputs given to it;
//   - the action's steps as a workflow_call workflow, whose inputs are those
//     of the action: actionlint cannot lint a composite action's steps, so
//     this gets them shellcheck and the expression checks;
//   - two controls that must fail, proving that action.yml was read and that
//     shellcheck ran.
func TestActionlint(t *testing.T) {
	ensureDebianFile(t, "shellcheck", "/usr/bin/shellcheck")
	a := loadAction(t)

	proj := t.TempDir()
	wf := filepath.Join(proj, ".github", "workflows")
	if err := os.MkdirAll(wf, 0o755); err != nil {
		t.Fatal(err)
	}
	// actionlint takes a directory with .github/workflows and .git as a
	// repository, and local actions relative to it.
	if err := os.WriteFile(filepath.Join(proj, ".git"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	copyFile(t, filepath.Join(root, "action.yml"), filepath.Join(proj, "action.yml"))

	release, err := os.ReadFile(filepath.Join(root, "examples", ".github", "workflows", "release.yml"))
	if err != nil {
		t.Fatal(err)
	}
	const remote = "uses: mingo-build/mingo@v1"
	if n := bytes.Count(release, []byte(remote)); n != 1 {
		t.Fatalf("release.yml: %q %d times, want once", remote, n)
	}
	local := bytes.Replace(release, []byte(remote), []byte("uses: ./"), 1)
	bogus := bytes.Replace(local, []byte("          package: ./examples/server\n"), []byte("          package: ./examples/server\n          bogus-input: x\n"), 1)
	if bytes.Equal(bogus, local) {
		t.Fatal("release.yml has no 'package: ./examples/server' line to add a control input after")
	}

	// The composite steps, as a reusable workflow with the action's inputs.
	inputs := map[string]any{}
	for name, in := range a.Inputs {
		inputs[name] = map[string]any{"type": "string", "required": false, "default": in.Default, "description": in.Description}
	}
	composite, err := json.MarshalIndent(map[string]any{
		"name":        "action.yml steps",
		"on":          map[string]any{"workflow_call": map[string]any{"inputs": inputs}},
		"permissions": map[string]any{},
		"jobs": map[string]any{"steps": map[string]any{
			"runs-on": "ubuntu-latest",
			"steps":   a.Runs.Steps,
		}},
	}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	shellControl := "on: push\njobs:\n  control:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo $UNQUOTED\n"

	files := map[string][]byte{
		"release.yml":                release,
		"release-local.yml":          local,
		"action-steps.yml":           composite,
		"control-bogus-input.yml":    bogus,
		"control-shellcheck-ran.yml": []byte(shellControl),
	}
	var args []string
	for name, b := range files {
		p := filepath.Join(wf, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, filepath.Join(".github", "workflows", name))
	}
	sort.Strings(args)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	start := time.Now()
	stdout, stderr, code := goRun(ctx, t, proj, nil, actionlintPkg,
		append([]string{"-format", "{{json .}}", "-shellcheck", "/usr/bin/shellcheck", "-pyflakes", ""}, args...)...)
	t.Logf("actionlint (%s): exit %d in %s", actionlintPkg, code, time.Since(start).Round(time.Millisecond))
	if code != 0 && code != 1 {
		t.Fatalf("actionlint: exit %d\n%s\n%s", code, stdout, stderr)
	}
	var errs []lintError
	if err := json.Unmarshal([]byte(stdout), &errs); err != nil {
		t.Fatalf("actionlint output: %v\n%s\n%s", err, stdout, stderr)
	}
	byFile := map[string][]lintError{}
	for _, e := range errs {
		byFile[filepath.Base(e.Filepath)] = append(byFile[filepath.Base(e.Filepath)], e)
	}
	for _, name := range []string{"release.yml", "release-local.yml", "action-steps.yml"} {
		for _, e := range byFile[name] {
			t.Errorf("actionlint: %s", e)
		}
	}
	wantError := func(file, kind, contains string) {
		t.Helper()
		for _, e := range byFile[file] {
			if e.Kind == kind && strings.Contains(e.Message, contains) {
				return
			}
		}
		t.Errorf("control %s: no [%s] error containing %q; got %v", file, kind, contains, byFile[file])
	}
	wantError("control-bogus-input.yml", "action", `input "bogus-input" is not defined in action "mingo"`)
	wantError("control-shellcheck-ran.yml", "shellcheck", "SC2086")
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// ---------------------------------------------------------------------------
// Running the action's steps as GitHub does.

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

// ---------------------------------------------------------------------------
// examples/Makefile

func TestExamplesMakefile(t *testing.T) {
	tmp := t.TempDir()
	mingo := filepath.Join(tmp, "mingo")
	build := exec.Command("go", "build", "-o", mingo, "./cmd/mingo")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/mingo: %v\n%s", err, out)
	}
	examples := filepath.Join(root, "examples")
	out := filepath.Join(tmp, "out")
	const tag = "v0.0.0-test"

	start := time.Now()
	stdout, stderr, err := makeIn(examples, "tarball", "MINGO="+mingo, "OUT="+out, "PLATFORMS=linux/amd64", "TAG="+tag)
	if err != nil {
		t.Fatalf("make tarball: %v\n%s\n%s", err, stdout, stderr)
	}
	t.Logf("make -C examples tarball: %s", time.Since(start).Round(time.Millisecond))

	images := map[string]*image{}
	for _, name := range []string{"cli", "server", "datafiles"} {
		img := loadImage(t, filepath.Join(out, name+".tar"), filepath.Join(tmp, "rootfs-"+name))
		if want := "mingo.local/" + name + ":" + tag; !slices.Equal(img.repoTags, []string{want}) {
			t.Errorf("%s.tar is tagged %q, want %s", name, img.repoTags, want)
		}
		images[name] = img
	}

	// cli: the version stamped by the Makefile, and the tool works.
	cli := filepath.Join(images["cli"].rootfs, "usr/local/bin/cli")
	if got := run(t, "", "", cli, "-version"); got != "cli "+tag+"\n" {
		t.Errorf("cli -version = %q, want %q", got, "cli "+tag+"\n")
	}
	if got := strings.Fields(run(t, "", "one two\n", cli)); !slices.Equal(got, []string{"1", "2", "8"}) {
		t.Errorf("cli on stdin: %q, want 1 2 8", got)
	}

	// server: what it needs is in the image, and its version is stamped.
	srv := images["server"].rootfs
	for _, f := range []string{"usr/share/zoneinfo/Europe/Paris", "etc/ssl/certs/ca-certificates.crt"} {
		if !exists(filepath.Join(srv, f)) {
			t.Errorf("server image has no /%s", f)
		}
	}
	if b, err := os.ReadFile(filepath.Join(srv, "usr/local/bin/server")); err != nil || !bytes.Contains(b, []byte(tag)) {
		t.Errorf("server binary does not hold its version %s (%v)", tag, err)
	}

	// datafiles: the files are where the program looks, from the workdir.
	df := images["datafiles"]
	if df.workingDir != "/srv" {
		t.Errorf("datafiles WorkingDir %q, want /srv", df.workingDir)
	}
	got := run(t, filepath.Join(df.rootfs, "srv"), "", filepath.Join(df.rootfs, "usr/local/bin/datafiles"), "-check")
	for _, f := range []string{"/srv/static/templates/index.html", "/srv/static/public/hello.txt", "/srv/static/public/style.css"} {
		if !strings.Contains(got, filepath.Join(df.rootfs, f)+"\n") {
			t.Errorf("datafiles -check in the image's workdir does not list %s:\n%s", f, got)
		}
	}

	// Defaults: TAG from git describe; image without REGISTRY refuses.
	describe := "dev"
	if b, err := exec.Command("git", "-C", examples, "describe", "--tags", "--always", "--dirty").Output(); err == nil {
		describe = strings.TrimSpace(string(b))
	}
	stdout, stderr, err = makeIn(examples, "-n", "tarball", "MINGO="+mingo)
	if err != nil {
		t.Fatalf("make -n tarball: %v\n%s", err, stderr)
	}
	if !strings.Contains(stdout, "-t 'mingo.local/cli:"+describe+"'") || !strings.Contains(stdout, "--platform 'linux/amd64,linux/arm64'") {
		t.Errorf("make -n tarball: want tag %s (git describe) and both default platforms:\n%s", describe, stdout)
	}
	if _, stderr, err = makeIn(examples, "image", "MINGO="+mingo); err == nil || !strings.Contains(stderr, "set REGISTRY") {
		t.Errorf("make image without REGISTRY: err %v, stderr %q; want a failure that says to set REGISTRY", err, stderr)
	}
	stdout, _, err = makeIn(examples, "-n", "push", "MINGO=mingo", "REGISTRY=registry.example.com/team", "TAG=v1")
	if err != nil || !strings.Contains(stdout, "mingo build ./server -t 'registry.example.com/team/server:v1'") || strings.Contains(stdout, "--push=false") {
		t.Errorf("make -n push: %v\n%s", err, stdout)
	}
	stdout, _, err = makeIn(examples, "-n", "load", "MINGO=mingo", "OUT=o", "TAG=v1")
	if err != nil || !strings.Contains(stdout, "docker load -i 'o/datafiles.tar'") {
		t.Errorf("make -n load: %v\n%s", err, stdout)
	}
}

// makeIn runs make -C dir ARGS with none of the Makefile's variables (nor
// an outer make's flags) inherited from the environment.
func makeIn(dir string, args ...string) (stdout, stderr string, err error) {
	cmd := exec.Command("make", append([]string{"--no-print-directory", "-C", dir}, args...)...)
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "MINGO", "REGISTRY", "TAG", "PLATFORMS", "OUT", "MAKEFLAGS", "MFLAGS", "MAKELEVEL":
			continue
		}
		cmd.Env = append(cmd.Env, kv)
	}
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return o.String(), e.String(), err
}

// run runs a program and returns its standard output.
func run(t *testing.T, dir, stdin, bin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", bin, strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}

// ---------------------------------------------------------------------------
// Reading mingo's tarballs (docker-load manifest.json plus an OCI layout).

func readTar(t *testing.T, path string) map[string][]byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	files := map[string][]byte{}
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return files
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if h.Typeflag == tar.TypeReg {
			b, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			files[h.Name] = b
		}
	}
}

func mustJSON(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%v in %.300s", err, b)
	}
}

type image struct {
	repoTags   []string
	workingDir string
	rootfs     string
}

// loadImage reads the host-platform image of a docker-load tarball and
// unpacks its layers, in order, under rootfs.
func loadImage(t *testing.T, path, rootfs string) *image {
	t.Helper()
	files := readTar(t, path)
	var manifest []struct {
		Config   string
		RepoTags []string
		Layers   []string
	}
	mustJSON(t, files["manifest.json"], &manifest)
	if len(manifest) != 1 {
		t.Fatalf("%s: %d images in manifest.json, want 1", path, len(manifest))
	}
	var cfg struct {
		Config struct{ WorkingDir string } `json:"config"`
	}
	mustJSON(t, files[manifest[0].Config], &cfg)
	for _, l := range manifest[0].Layers {
		unpackLayer(t, files[l], rootfs)
	}
	return &image{repoTags: manifest[0].RepoTags, workingDir: cfg.Config.WorkingDir, rootfs: rootfs}
}

func unpackLayer(t *testing.T, blob []byte, dir string) {
	t.Helper()
	var r io.Reader = bytes.NewReader(blob)
	if len(blob) > 2 && blob[0] == 0x1f && blob[1] == 0x8b {
		zr, err := gzip.NewReader(r)
		if err != nil {
			t.Fatal(err)
		}
		r = zr
	}
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Clean(strings.TrimPrefix(h.Name, "/"))
		if !filepath.IsLocal(name) {
			t.Fatalf("layer entry %q escapes the root", h.Name)
		}
		p := filepath.Join(dir, name)
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(p, 0o755); err != nil {
				t.Fatal(err)
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, b, os.FileMode(h.Mode).Perm()|0o200); err != nil {
				t.Fatal(err)
			}
		case tar.TypeSymlink:
			os.MkdirAll(filepath.Dir(p), 0o755)
			os.Remove(p)
			if err := os.Symlink(h.Linkname, p); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// ---------------------------------------------------------------------------
// .goreleaser.yaml

type goreleaserConfig struct {
	Version string `yaml:"version"`
	Dist    string `yaml:"dist"`
	Builds  []struct {
		ID           string   `yaml:"id"`
		Main         string   `yaml:"main"`
		Binary       string   `yaml:"binary"`
		Env          []string `yaml:"env"`
		Goos         []string `yaml:"goos"`
		Goarch       []string `yaml:"goarch"`
		Flags        []string `yaml:"flags"`
		Ldflags      []string `yaml:"ldflags"`
		ModTimestamp string   `yaml:"mod_timestamp"`
	} `yaml:"builds"`
	Archives []struct {
		Formats         []string `yaml:"formats"`
		FormatOverrides []struct {
			Goos    string   `yaml:"goos"`
			Formats []string `yaml:"formats"`
		} `yaml:"format_overrides"`
	} `yaml:"archives"`
	Checksum map[string]any `yaml:"checksum"`
}

func TestGoreleaser(t *testing.T) {
	var c goreleaserConfig
	loadYAML(t, filepath.Join(root, ".goreleaser.yaml"), &c, false)
	if c.Version != "2" {
		t.Errorf("version %q, want 2", c.Version)
	}
	if c.Dist != "" {
		t.Errorf("dist %q: keep the default; this test sets its own", c.Dist)
	}
	if len(c.Builds) != 1 {
		t.Fatalf("%d builds, want 1", len(c.Builds))
	}
	bd := c.Builds[0]
	if bd.Main != "./cmd/mingo" || !slices.Contains(bd.Env, "CGO_ENABLED=0") || !slices.Contains(bd.Flags, "-trimpath") {
		t.Errorf("build: main %q, env %q, flags %q; want ./cmd/mingo, CGO_ENABLED=0, -trimpath", bd.Main, bd.Env, bd.Flags)
	}
	if !slices.Equal(slices.Sorted(slices.Values(bd.Goos)), []string{"darwin", "linux", "windows"}) ||
		!slices.Equal(slices.Sorted(slices.Values(bd.Goarch)), []string{"amd64", "arm64"}) {
		t.Errorf("build targets %q × %q, want linux darwin windows × amd64 arm64", bd.Goos, bd.Goarch)
	}
	if ld := strings.Join(bd.Ldflags, " "); !strings.Contains(ld, "-s -w") || !strings.Contains(ld, "-X main.version={{.Version}}") {
		t.Errorf("ldflags %q, want -s -w -X main.version={{.Version}}", ld)
	}
	if bd.ModTimestamp != "{{ .CommitTimestamp }}" {
		t.Errorf("mod_timestamp %q, want {{ .CommitTimestamp }}", bd.ModTimestamp)
	}
	if len(c.Archives) != 1 || !slices.Equal(c.Archives[0].Formats, []string{"tar.gz"}) ||
		len(c.Archives[0].FormatOverrides) != 1 || c.Archives[0].FormatOverrides[0].Goos != "windows" ||
		!slices.Equal(c.Archives[0].FormatOverrides[0].Formats, []string{"zip"}) {
		t.Errorf("archives %+v, want tar.gz, and zip for windows", c.Archives)
	}
	if c.Checksum == nil {
		t.Error("no checksum section")
	}

	// goreleaser check. The first go run compiles GoReleaser (minutes); the
	// binary is cached after that.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	start := time.Now()
	stdout, stderr, code := goRun(ctx, t, root, nil, goreleaserPkg, "check")
	t.Logf("goreleaser check (%s, compiled on first use): %s", goreleaserPkg, time.Since(start).Round(time.Millisecond))
	if code != 0 {
		t.Fatalf("goreleaser check: exit %d\n%s\n%s", code, stdout, stderr)
	}

	// A snapshot build of the host's target, into a temporary dist.
	dist := t.TempDir()
	config := filepath.Join(t.TempDir(), "goreleaser.yaml")
	raw, err := os.ReadFile(filepath.Join(root, ".goreleaser.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(config, fmt.Appendf(raw, "\ndist: %q\n", dist), 0o644); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	stdout, stderr, code = goRun(ctx, t, root, nil, goreleaserPkg, "build", "--snapshot", "--clean", "--single-target", "--config", config)
	t.Logf("goreleaser build --snapshot --single-target: %s", time.Since(start).Round(time.Millisecond))
	if code != 0 {
		t.Fatalf("goreleaser build: exit %d\n%s\n%s", code, stdout, stderr)
	}
	bins, _ := filepath.Glob(filepath.Join(dist, "mingo_"+runtime.GOOS+"_"+runtime.GOARCH+"*", "mingo"))
	if len(bins) != 1 {
		t.Fatalf("snapshot binaries %q, want one under %s", bins, dist)
	}
	version := run(t, "", "", bins[0], "version")
	if !regexp.MustCompile(`^mingo \d+\.\d+\.\d+-snapshot\+\S+ \(go`).MatchString(version) {
		t.Errorf("mingo version = %q, want the snapshot version stamped by -X main.version", version)
	}
	f, err := elf.Open(bins[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("the release binary has an ELF interpreter: it is not static (CGO_ENABLED=0?)")
		}
	}
	if f.Section(".symtab") != nil {
		t.Error("the release binary has a symbol table: -s -w missing?")
	}
}
