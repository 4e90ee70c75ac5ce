package release

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// action.yml: its metadata, and actionlint on it and the example workflow.

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
