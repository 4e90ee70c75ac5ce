package gotool

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/mingo-build/mingo/platform"
)

func TestGoEnvPolicy(t *testing.T) {
	env := func(string) bool { return true }
	for _, tc := range []struct {
		vals map[string]string
		want string // the refused setting, "" for none
	}{
		{map[string]string{"GOFLAGS": "-buildvcs=false -trimpath -modcacherw -p=2"}, ""},
		{map[string]string{"GOFIPS140": "off"}, ""},
		{map[string]string{"GOFLAGS": "-modcacherw -tags=netgo"}, "-tags=netgo"},
		{map[string]string{"GOFLAGS": "-toolexec=/bin/true"}, "-toolexec=/bin/true"},
		{map[string]string{"GOFLAGS": "--overlay=o.json"}, "--overlay=o.json"},
		{map[string]string{"GOFLAGS": "-mod=mod"}, "-mod=mod"},
		{map[string]string{"GOFLAGS": "-ldflags=-X=main.x=1"}, "-ldflags=-X=main.x=1"},
		{map[string]string{"GOEXPERIMENT": "nocoverageredesign"}, "nocoverageredesign"},
		{map[string]string{"GOFIPS140": "latest"}, "latest"},
	} {
		err := envPolicy(tc.vals, env)
		var ge *EnvError
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%v: %v, want no error", tc.vals, err)
		case tc.want != "" && (!errors.As(err, &ge) || ge.Setting != tc.want):
			t.Errorf("%v: %v, want %s refused", tc.vals, err, tc.want)
		}
	}
}

// A GOFLAGS set with `go env -w` is refused like one in the environment,
// and the error says where it came from.
func TestCheckGoEnvReadsGoEnvFile(t *testing.T) {
	goenv := filepath.Join(t.TempDir(), "env")
	if out, err := exec.Command("env", "GOENV="+goenv, "GOFLAGS=", "go", "env", "-w", "GOFLAGS=-tags=netgo").CombinedOutput(); err != nil {
		t.Fatalf("go env -w: %v\n%s", err, out)
	}
	t.Setenv("GOENV", goenv)
	t.Setenv("GOFLAGS", "")
	os.Unsetenv("GOFLAGS")
	var ge *EnvError
	_, err := CheckEnv(context.Background(), "")
	if !errors.As(err, &ge) || ge.Flag != "tags" || ge.FromEnv || !strings.Contains(err.Error(), "go env -w") {
		t.Fatalf("CheckEnv = %v, want -tags=netgo from go env -w refused", err)
	}
	t.Setenv("GOFLAGS", "-buildvcs=true")
	vals, err := CheckEnv(context.Background(), "")
	if err != nil {
		t.Errorf("GOFLAGS=-buildvcs=true (overridden by mingo): %v", err)
	}
	// The same go command answers what the build needs later: the
	// recipe's Go version and where tzdata comes from.
	if vals["GOVERSION"] != runtime.Version() {
		t.Errorf("go env gave GOVERSION %q, want %q", vals["GOVERSION"], runtime.Version())
	}
	if _, err := os.Stat(filepath.Join(vals["GOROOT"], "lib", "time", "zoneinfo.zip")); err != nil {
		t.Errorf("go env gave GOROOT %q without a time-zone database: %v", vals["GOROOT"], err)
	}
}

// Every target variable is set, so that no `go env -w` value can apply;
// the platform's own values win over Go's defaults.
func TestTargetEnv(t *testing.T) {
	p, err := platform.Parse("linux/amd64/v3")
	if err != nil {
		t.Fatal(err)
	}
	env := TargetEnv(&p)
	for _, want := range []string{"CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64", "GOAMD64=v3", "GOARM64=v8.0", "GOARM=7"} {
		if !slices.Contains(env, want) {
			t.Errorf("TargetEnv(%s) = %v, lacks %s", p, env, want)
		}
	}
	q, _ := platform.Parse("linux/arm64")
	if env := TargetEnv(&q); !slices.Contains(env, "GOAMD64=v1") || !slices.Contains(env, "GOARM64=v8.0") {
		t.Errorf("TargetEnv(%s) = %v", q, env)
	}
}

// The -v command line runs in a shell as printed.
func TestCommandLineRuns(t *testing.T) {
	line := commandLine(t.TempDir(), []string{"A=x y", "B=it's"}, "sh", []string{"-c", `printf '%s|%s|%s' "$A" "$B" "$1"`, "sh", "-ldflags=-s -w"})
	out, err := exec.Command("sh", "-c", line).Output()
	if err != nil || string(out) != "x y|it's|-ldflags=-s -w" {
		t.Errorf("sh -c %s: %q, %v", line, out, err)
	}
}

func TestEnvDropsHostTarget(t *testing.T) {
	t.Setenv("CGO_ENABLED", "1")
	t.Setenv("GOAMD64", "v3")
	t.Setenv("GOARCH", "386")
	t.Setenv("GOFLAGS", "-mod=mod")
	t.Setenv("GOCACHEPROG", "/usr/local/bin/cacheprog --dir /srv/cache")
	p, _ := platform.Parse("linux/arm64")
	env := Env(&p)
	for _, bad := range []string{"CGO_ENABLED=1", "GOAMD64=v3", "GOARCH=386"} {
		if slices.Contains(env, bad) {
			t.Errorf("host %s leaked into the build environment", bad)
		}
	}
	for _, want := range []string{"CGO_ENABLED=0", "GOARCH=arm64", "GOOS=linux", "GOFLAGS=-mod=mod", "GOCACHEPROG=/usr/local/bin/cacheprog --dir /srv/cache"} {
		if !slices.Contains(env, want) {
			t.Errorf("build environment lacks %s", want)
		}
	}
}

// Signing secrets never reach the go command or git.
func TestChildrenGetNoSecrets(t *testing.T) {
	for _, k := range Secrets {
		t.Setenv(k, "secret-"+k)
	}
	t.Setenv("GOPRIVATE", "example.com/private")
	for name, env := range map[string][]string{"Env": Env(nil), "ChildEnv": ChildEnv()} {
		joined := strings.Join(env, "\n")
		if strings.Contains(joined, "secret-") {
			t.Errorf("%s passes a secret on: %q", name, joined)
		}
		if !strings.Contains(joined, "GOPRIVATE=example.com/private") {
			t.Errorf("%s drops GOPRIVATE, which fetching modules needs", name)
		}
	}
}

// TestBuildCacheProg: CacheProg reaches the go command's environment and
// stays out of the printed command line (and so out of the recipe).
func TestBuildCacheProg(t *testing.T) {
	p, _ := platform.Parse("linux/amd64")
	b := &Build{Platform: p, Out: "out", Packages: []string{"./cmd/api"}, CacheProg: "/usr/bin/mingo gocache --repo r.example/c"}
	cmd := b.Command(context.Background())
	if !slices.Contains(cmd.Env, "GOCACHEPROG=/usr/bin/mingo gocache --repo r.example/c") {
		t.Errorf("go build environment lacks GOCACHEPROG")
	}
	if strings.Contains(b.CommandLine(), "GOCACHEPROG") {
		t.Errorf("command line %s shows GOCACHEPROG", b.CommandLine())
	}
}
