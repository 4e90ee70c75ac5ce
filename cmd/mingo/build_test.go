package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/spf13/pflag"

	"github.com/mingo-build/mingo"
)

// testModule is the builder's test module, made absolute while the working
// directory is still this package's.
var testModule, _ = filepath.Abs("../../internal/build/testdata/mod")

// run executes the mingo command line in the test module and returns its
// standard output and error.
func run(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	t.Setenv("MINGO_CACHE", filepath.Join(t.TempDir(), "cache"))
	t.Setenv("DOCKER_CONFIG", t.TempDir()) // no credentials from the host
	// No engine: a build that names no output fails rather than loading
	// into the host's Docker.
	t.Setenv("DOCKER_HOST", "unix://"+filepath.Join(t.TempDir(), "no-engine.sock"))
	return runIn(t, testModule, args...)
}

func memRegistry(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

func TestBuildPushPrintsOneLine(t *testing.T) {
	host := memRegistry(t)
	stdout, stderr, err := run(t, "build", "./cmd/hello", "-t", host+"/team/hello:v1", "-t", host+"/team/hello:latest")
	if err != nil {
		t.Fatalf("mingo build: %v\n%s", err, stderr)
	}
	if !regexp.MustCompile(`^` + regexp.QuoteMeta(host) + `/team/hello@sha256:[0-9a-f]{64}\n$`).MatchString(stdout) {
		t.Fatalf("stdout = %q, want exactly one REPOSITORY@sha256:HEX line", stdout)
	}
	for _, tag := range []string{"v1", "latest"} {
		ref, _ := name.ParseReference(host + "/team/hello:" + tag)
		idx, err := remote.Index(ref)
		if err != nil {
			t.Fatalf("%s: %v", ref, err)
		}
		d, _ := idx.Digest()
		if !strings.HasSuffix(strings.TrimSpace(stdout), d.String()) {
			t.Errorf("%s is %s, stdout says %s", ref, d, stdout)
		}
		im, _ := idx.IndexManifest()
		if len(im.Manifests) != 2 || im.Manifests[0].Platform.Architecture != "amd64" || im.Manifests[1].Platform.Architecture != "arm64" {
			t.Errorf("index platforms: %+v", im.Manifests)
		}
	}
	if !strings.Contains(stderr, "linux/arm64: compiling") || !strings.Contains(stderr, "tagged") {
		t.Errorf("stderr lacks progress:\n%s", stderr)
	}
}

func TestBuildOnePlatformJSON(t *testing.T) {
	host := memRegistry(t)
	stdout, stderr, err := run(t, "build", "./cmd/hello", "-t", host+"/hello:v1", "--platform", "linux/arm/v7", "--json", "-q")
	if err != nil {
		t.Fatalf("mingo build: %v\n%s", err, stderr)
	}
	if stderr != "" {
		t.Errorf("-q printed to stderr: %q", stderr)
	}
	var out mingo.Summary
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, stdout)
	}
	ref, _ := name.ParseReference(host + "/hello:v1")
	img, err := remote.Image(ref)
	if err != nil {
		t.Fatal(err)
	}
	d, _ := img.Digest()
	if out.Digest != d.String() || out.Reference != host+"/hello@"+d.String() || out.MediaType != "application/vnd.oci.image.manifest.v1+json" {
		t.Errorf("json = %+v, registry has image %s", out, d)
	}
	if len(out.Platforms) != 1 || out.Platforms[0].Platform != "linux/arm/v7" || out.Platforms[0].Digest != d.String() || out.Platforms[0].Size <= 0 || out.Size != out.Platforms[0].Size {
		t.Errorf("platforms = %+v, size %d", out.Platforms, out.Size)
	}
}

func TestBuildLocalOutputs(t *testing.T) {
	dir := t.TempDir()
	tarball, layoutDir := filepath.Join(dir, "hello.tar"), filepath.Join(dir, "out")
	stdout, stderr, err := run(t, "build", "./cmd/hello", "--push=false", "--tarball", tarball, "--oci-layout", layoutDir)
	if err != nil {
		t.Fatalf("mingo build: %v\n%s", err, stderr)
	}
	if !regexp.MustCompile(`^sha256:[0-9a-f]{64}\n$`).MatchString(stdout) {
		t.Errorf("stdout = %q, want the index digest", stdout)
	}
	if _, err := os.Stat(filepath.Join(layoutDir, "index.json")); err != nil {
		t.Error(err)
	}
	if !strings.Contains(stderr, "docker load gets linux/amd64 as mingo.local/hello:latest") {
		t.Errorf("stderr does not say what docker load gets:\n%s", stderr)
	}
}

func TestBuildBadInput(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"build", "./cmd/hello", "--push"}, "nothing to push to"},
		{[]string{"build", "./lib", "--push=false"}, "not a main package"},
		{[]string{"build", "./nope", "--push=false"}, "not found"},
		{[]string{"build", "./cgoonly", "--push=false"}, "needs cgo"},
		{[]string{"build", "./cmd/hello", "--push=false", "--platform", "linux/sparc"}, "unknown platform"},
		{[]string{"build", "./cmd/hello", "--push=false", "--jobs", "0"}, "--jobs"},
		{[]string{"build", "./cmd/hello", "-t", "reg/API:v1"}, "invalid --tag"},
		{[]string{"build", "./cmd/hello", "-q", "-v", "--push=false"}, "contradict"},
		{[]string{"build", "./cmd/hello", "--push=false", "--oci-layout", "/nonexistent/out"}, "directory /nonexistent does not exist"},
	} {
		dir := t.TempDir()
		args := append(tc.args, "--tarball", filepath.Join(dir, "x.tar"))
		stdout, _, err := run(t, args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("mingo %v: error %v, want %q", tc.args, err, tc.want)
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("mingo %v: error spans lines: %q", tc.args, err)
		}
		if stdout != "" {
			t.Errorf("mingo %v: printed %q on failure", tc.args, stdout)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Errorf("mingo %v: left %v behind", tc.args, entries)
		}
	}
}

func TestSourceDateEpoch(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "yesterday")
	_, _, err := run(t, "build", "./cmd/hello", "--push=false")
	if err == nil || !strings.Contains(err.Error(), `SOURCE_DATE_EPOCH="yesterday"`) || !strings.Contains(err.Error(), "or unset it") {
		t.Errorf("bad SOURCE_DATE_EPOCH: %v, want the value and the fix", err)
	}
}

func TestBuildManyPackages(t *testing.T) {
	host := memRegistry(t)
	stdout, stderr, err := run(t, "build", "./cmd/...", "--repo", host+"/team", "-t", "v1", "-t", "latest", "--platform", "linux/amd64")
	if err != nil {
		t.Fatalf("mingo build ./cmd/...: %v\n%s", err, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], host+"/team/hello@sha256:") || !strings.HasPrefix(lines[1], host+"/team/netuser@sha256:") {
		t.Fatalf("stdout = %q, want hello then netuser", stdout)
	}
	for _, line := range lines {
		repo, digest, _ := strings.Cut(line, "@")
		for _, tag := range []string{"v1", "latest"} {
			ref, _ := name.ParseReference(repo + ":" + tag)
			desc, err := remote.Head(ref)
			if err != nil || desc.Digest.String() != digest {
				t.Errorf("%s: %v, %v; want %s", ref, desc, err, digest)
			}
		}
	}
	stdout, _, err = run(t, "build", "./cmd/...", "--push=false", "--json", "-q", "--platform", "linux/amd64")
	if err != nil {
		t.Fatal(err)
	}
	var outs []mingo.Summary
	if err := json.Unmarshal([]byte(stdout), &outs); err != nil || len(outs) != 2 || outs[0].Package != "example.com/mod/cmd/hello" {
		t.Errorf("--json for a pattern: %v %s", err, stdout)
	}
}

func TestBuildManyPackagesBadNames(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"build", "./cmd/...", "-t", "reg.example.com/team/api:v1"}, "use --repo"},
		{[]string{"build", "./cmd/...", "--repo", "reg.example.com/team", "-t", "reg.example.com/team/api:v1"}, "bare tag"},
		{[]string{"build", "./cmd/hello", "./cmd/netuser"}, "nothing to push to"},
		{[]string{"build", "./nothing/...", "--push=false"}, "matches no"},
	} {
		_, _, err := run(t, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("mingo %v: %v, want %q", tc.args, err, tc.want)
		}
	}
}

func writeConfig(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "mingo.yaml")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestBuildConfigFile(t *testing.T) {
	host := memRegistry(t)
	cfg := writeConfig(t, `repo: `+host+`/team
images:
  - package: ./cmd/hello
    repository: `+host+`/special/hello
    tags: [v1, "{{.Version}}-x"]
    platforms: [linux/arm64, linux/amd64]
    ldflags: -X main.commit={{.Commit}}
    env: {B: "2", A: "1"}
  - package: ./cmd/netuser
    base: scratch
    platforms: [linux/arm64]
`)
	stdout, stderr, err := run(t, "build", "--config", cfg, "--platform", "linux/amd64")
	if err != nil {
		t.Fatalf("mingo build --config: %v\n%s", err, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], host+"/special/hello@") || !strings.HasPrefix(lines[1], host+"/team/netuser@") {
		t.Fatalf("stdout = %q", stdout)
	}
	// --platform on the command line overrides both images' platforms.
	for _, ref := range []string{host + "/special/hello:v1", host + "/team/netuser:latest"} {
		r, _ := name.ParseReference(ref)
		img, err := remote.Image(r)
		if err != nil {
			t.Fatalf("%s: %v", ref, err)
		}
		cf, _ := img.ConfigFile()
		if cf.Architecture != "amd64" {
			t.Errorf("%s is %s, want the command line's linux/amd64", ref, cf.Architecture)
		}
		if strings.Contains(ref, "hello") && !strings.Contains(strings.Join(cf.Config.Env, " "), "A=1 B=2") {
			t.Errorf("env from the file, in key order: %v", cf.Config.Env)
		}
		if strings.Contains(ref, "netuser") && len(cf.History) != 1 {
			t.Errorf("base: scratch from the file not applied: %d layers", len(cf.History))
		}
	}
	r, _ := name.ParseReference(host + "/special/hello")
	all, err := remote.List(r.Context())
	var tags []string
	for _, tag := range all {
		if !strings.HasPrefix(tag, "sha256-") { // SBOM referrer fallback tags
			tags = append(tags, tag)
		}
	}
	if err != nil || len(tags) != 2 || !strings.HasSuffix(tags[0], "-x") && !strings.HasSuffix(tags[1], "-x") {
		t.Errorf("templated tags: %v %v", tags, err)
	}
}

func TestBuildBrokenConfigFile(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"images:\n  - package: ./cmd/hello\n    platfrom: [linux/amd64]\n", `mingo.yaml:3: unknown key "platfrom"`},
		{"images:\n  - package: ./cmd/hello\n    platforms:\n      - linux/vax\n", "mingo.yaml:4: images[0].platforms: unknown platform"},
		{"images:\n  - package: ./cmd/hello\n    tags: [\"{{.Nope}}\"]\n", "mingo.yaml:3: images[0].tags"},
		{"images:\n  - base: scratch\n", "mingo.yaml:2: images[0]: package is required"},
		{"images:\n  - package: ./cmd/hello\n    env: [A=1]\n", "mingo.yaml:3: cannot unmarshal"},
		{"images: []\n", "no images"},
		{"images:\n  - package: ./cmd/hello\n    user: alice\n", "mingo.yaml:3: images[0].user: user \"alice\" is not in the generated /etc/passwd"},
	} {
		_, _, err := run(t, "build", "--config", writeConfig(t, tc.text), "--push=false")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("config %q: error %v, want %q", tc.text, err, tc.want)
		}
	}
}

// runIn is run in another directory.
func runIn(t *testing.T, dir string, args ...string) (string, string, error) {
	t.Helper()
	t.Chdir(dir)
	var stdout, stderr bytes.Buffer
	cmd := newRootCommand()
	cmd.SetArgs(args)
	cmd.SetOut(&stdout)
	cmd.SetErr(&stderr)
	err := cmd.ExecuteContext(context.Background())
	return stdout.String(), stderr.String(), err
}

func TestVerify(t *testing.T) {
	host := memRegistry(t)
	t.Setenv("MINGO_CACHE", filepath.Join(t.TempDir(), "cache"))
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	t.Setenv("SOURCE_DATE_EPOCH", "1700000000")
	src := t.TempDir()
	if err := os.CopyFS(src, os.DirFS(testModule)); err != nil {
		t.Fatal(err)
	}
	ref := host + "/team/hello:v1"
	if _, stderr, err := runIn(t, src, "build", "./cmd/hello", "-t", ref, "--env", "A=1", "--user", "nobody"); err != nil {
		t.Fatalf("build: %v\n%s", err, stderr)
	}
	t.Setenv("SOURCE_DATE_EPOCH", "") // verify takes it from the recipe
	stdout, stderr, err := runIn(t, src, "verify", "./cmd/hello", ref)
	if err != nil {
		t.Fatalf("verify of an unchanged build: %v\n%s%s", err, stdout, stderr)
	}
	for _, want := range []string{"linux/amd64    match", "linux/arm64    match", "all            match"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("verify output lacks %q:\n%s", want, stdout)
		}
	}
	main := filepath.Join(src, "cmd", "hello", "main.go")
	b, _ := os.ReadFile(main)
	os.WriteFile(main, bytes.Replace(b, []byte("hello from"), []byte("changed:"), 1), 0o644)
	stdout, _, err = runIn(t, src, "verify", "./cmd/hello", ref)
	if err == nil || !strings.Contains(err.Error(), "does not match") || !strings.Contains(stdout, "MISMATCH") {
		t.Errorf("verify of changed source: %v\n%s", err, stdout)
	}
	if _, _, err := runIn(t, src, "verify", "./cmd/netuser", ref); err == nil || !strings.Contains(err.Error(), "was built from example.com/mod/cmd/hello") {
		t.Errorf("verify with another package: %v", err)
	}
}

// No tag and a local output: nothing to push, so no --push=false needed.
// No output at all: a warning that nothing was kept.
func TestBuildLocalOutputNeedsNoPushFlag(t *testing.T) {
	tarball := filepath.Join(t.TempDir(), "hello.tar")
	stdout, stderr, err := run(t, "build", "./cmd/hello", "--platform", "linux/amd64", "--tarball", tarball)
	if err != nil || !strings.HasPrefix(stdout, "sha256:") {
		t.Fatalf("mingo build --tarball: %v %q\n%s", err, stdout, stderr)
	}
	if _, err := os.Stat(tarball); err != nil {
		t.Error(err)
	}
	if strings.Contains(stderr, "nothing was kept") {
		t.Errorf("warned that nothing was kept, with a tarball:\n%s", stderr)
	}
	_, stderr, err = run(t, "build", "./cmd/hello", "--platform", "linux/amd64", "--push=false")
	if err != nil || strings.Count(stderr, "warning: nothing was kept") != 1 {
		t.Errorf("mingo build --push=false: %v, want one warning that nothing was kept:\n%s", err, stderr)
	}
}

func TestUnknownFlagSuggestion(t *testing.T) {
	for _, tc := range []struct{ flag, want string }{
		{"--tarbal", "did you mean --tarball?"},
		{"--platfrom", "did you mean --platform?"},
		{"--zzzzzzzz", ""},
	} {
		_, _, err := run(t, "build", "./cmd/hello", tc.flag, "x")
		if err == nil || !strings.Contains(err.Error(), "unknown flag: "+tc.flag) {
			t.Fatalf("%s: %v", tc.flag, err)
		}
		if got := strings.Contains(err.Error(), "did you mean"); got != (tc.want != "") || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.flag, err, tc.want)
		}
	}
}

// -v prints each go build as a command line that runs as printed.
func TestVerboseGoBuildLine(t *testing.T) {
	_, stderr, err := run(t, "build", "./cmd/hello", "--platform", "linux/arm/v7", "--push=false", "-v", "--ldflags", "-X main.v=ab")
	if err != nil {
		t.Fatal(err)
	}
	var line string
	for _, l := range strings.Split(stderr, "\n") {
		if _, cmd, ok := strings.Cut(l, "linux/arm/v7: "); ok && strings.Contains(cmd, " go build ") {
			line = cmd
		}
	}
	for _, want := range []string{"CGO_ENABLED=0 GOOS=linux GOARCH=arm GOARM=7", "-buildvcs=false", "'-ldflags=-s -w -X main.v=ab'"} {
		if !strings.Contains(line, want) {
			t.Errorf("go build line %q lacks %q", line, want)
		}
	}
	out := filepath.Join(t.TempDir(), "bin")
	os.Mkdir(out, 0o755)
	line = regexp.MustCompile(` -o \S+ `).ReplaceAllString(line, " -o "+out+"/ ")
	cmd := exec.Command("sh", "-c", line)
	cmd.Dir = testModule
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sh -c %s: %v\n%s", line, err, b)
	}
	if _, err := os.Stat(filepath.Join(out, "hello")); err != nil {
		t.Errorf("the pasted command wrote no binary: %v", err)
	}
}

// The recipe holds a digest of the ldflags: verify takes them again, from
// --ldflags or the package's image in mingo.yaml, and refuses others.
func TestVerifyLDFlags(t *testing.T) {
	host := memRegistry(t)
	t.Setenv("MINGO_CACHE", filepath.Join(t.TempDir(), "cache"))
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	src := t.TempDir()
	if err := os.CopyFS(src, os.DirFS(testModule)); err != nil {
		t.Fatal(err)
	}
	ref := host + "/team/hello:v1"
	ldflags := "-X main.token=SECRET123"
	if _, stderr, err := runIn(t, src, "build", "./cmd/hello", "-t", ref, "--platform", "linux/amd64", "--ldflags", ldflags); err != nil {
		t.Fatalf("build: %v\n%s", err, stderr)
	}
	if stdout, stderr, err := runIn(t, src, "verify", "./cmd/hello", ref, "--ldflags", ldflags); err != nil || !strings.Contains(stdout, "match") {
		t.Errorf("verify with the same --ldflags: %v\n%s%s", err, stdout, stderr)
	}
	for _, args := range [][]string{{"--ldflags", "-X main.token=other"}, nil} {
		_, _, err := runIn(t, src, append([]string{"verify", "./cmd/hello", ref}, args...)...)
		if err == nil || !strings.Contains(err.Error(), "give the --ldflags the image was built with") || strings.Contains(err.Error(), "SECRET") {
			t.Errorf("verify with %v: %v", args, err)
		}
	}
	cfg := "images:\n  - package: ./cmd/hello\n    ldflags: " + ldflags + "\n"
	if err := os.WriteFile(filepath.Join(src, "mingo.yaml"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	if stdout, stderr, err := runIn(t, src, "verify", "./cmd/hello", ref); err != nil || !strings.Contains(stdout, "match") {
		t.Errorf("verify with the ldflags of mingo.yaml: %v\n%s%s", err, stdout, stderr)
	}
}

// The progress line and the size report give one size per image.
func TestOneSizePerImage(t *testing.T) {
	_, stderr, err := run(t, "build", "./cmd/hello", "--push=false", "--platform", "linux/amd64")
	if err != nil {
		t.Fatal(err)
	}
	built := regexp.MustCompile(`linux/amd64: built, (\S+ \S+) compressed`).FindStringSubmatch(stderr)
	report := regexp.MustCompile(`(?m)^  linux/amd64 +(\S+ \S+) = .*config\+manifest`).FindStringSubmatch(stderr)
	if built == nil || report == nil || built[1] != report[1] {
		t.Errorf("progress says %v, size report %v:\n%s", built, report, stderr)
	}
}

// Every run flag reaches the mingo.Run a build starts from, and the flags
// themselves stay as parsed.
func TestRunFromFlags(t *testing.T) {
	f := &buildFlags{}
	fs := pflag.NewFlagSet("build", pflag.ContinueOnError)
	f.register(fs)
	err := fs.Parse([]string{"--insecure-registry", "--push=false", "--load", "--tarball", "i.tar", "--oci-layout", "lay",
		"--sbom-dir", "sboms", "--jobs", "3", "--registry-timeout", "5s", "--sign", "--key", "k", "--provenance",
		"--tlog-upload=false", "--rekor-url", "https://rekor.example", "--sbom", "none"})
	if err != nil {
		t.Fatal(err)
	}
	j, err := f.newJob(io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	r := j.run
	want := mingo.Outputs{Tarball: "i.tar", Layout: "lay", SBOMDir: "sboms"}
	if out := r.Outputs; out.Tarball != want.Tarball || out.Layout != want.Layout || out.SBOMDir != want.SBOMDir || out.Engine == nil {
		t.Errorf("outputs %+v, want %+v and the engine", out, want)
	}
	if !r.Insecure || r.Push || r.SBOM || r.Jobs != 3 || r.Timeout != 5*time.Second {
		t.Errorf("run: insecure %v, push %v, SBOM %v, jobs %d, timeout %v", r.Insecure, r.Push, r.SBOM, r.Jobs, r.Timeout)
	}
	if so := r.SignOptions; !r.Sign || !r.Provenance || so.Key != "k" || !so.NoTransparencyLog || so.RekorURL != "https://rekor.example" {
		t.Errorf("signing: sign %v, provenance %v, options %+v", r.Sign, r.Provenance, so)
	}
	if r.Logf == nil || r.Upload == nil || r.ToolVersion == "" {
		t.Error("the run reports to no display, or names no version")
	}
	if f.run.Outputs.Engine != nil || f.run.Logf != nil {
		t.Error("starting a run changed the flags")
	}
}
