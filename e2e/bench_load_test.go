package e2e

import (
	"archive/tar"
	"context"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// BenchmarkLoadVsDockerBuild times, with nothing changed and one platform
// (linux/amd64), `mingo build ./examples/server --load` into the
// harness's dockerd against `docker build -t` of the equivalent two-stage
// Dockerfile (a golang build stage, a FROM scratch final stage) with a warm
// build cache, alternating the two in the same run. It reports the median
// seconds of each and their ratio (mingo / docker).
//
// No golang image can be pulled here, so the build stage's base is made
// from the local Go toolchain: a root file system tarball holding GOROOT
// (without its test/ tree) as /usr/local/go, plus /tmp and /root, given
// to `docker import` with PATH and HOME set. Run it with bench/load.sh.
func BenchmarkLoadVsDockerBuild(b *testing.B) {
	if env.skip != "" {
		b.Skipf("SKIPPED (not in CI): %s", env.skip)
	}
	ctx := context.Background()
	dir := b.TempDir()
	if err := golangRootfs(filepath.Join(dir, "golang.tar")); err != nil {
		b.Fatal(err)
	}
	if _, err := env.docker.Run(ctx, "", "import",
		"--change", "ENV PATH=/usr/local/go/bin:/usr/bin:/bin", "--change", "ENV HOME=/root",
		filepath.Join(dir, "golang.tar"), "mingo-bench/golang:local"); err != nil {
		b.Fatal(err)
	}
	context := filepath.Join(dir, "context")
	if err := dockerContext(context); err != nil {
		b.Fatal(err)
	}
	repo, err := filepath.Abs("..")
	if err != nil {
		b.Fatal(err)
	}
	dockerBuild := func() error {
		_, err := env.docker.Run(ctx, "", "build", "--network", "none", "-q", "-t", "mingo-bench/server:docker", context)
		return err
	}
	mingoLoad := func(extra ...string) func() error {
		return func() error {
			cmd := exec.CommandContext(ctx, env.mingo, append([]string{"build", "./examples/server", "--load", "-q", "--platform", "linux/" + runtime.GOARCH}, extra...)...)
			cmd.Dir = repo
			cmd.Env = append(os.Environ(), "MINGO_CACHE="+filepath.Join(env.work, "cache"), env.docker.Env("")[0])
			out, err := cmd.CombinedOutput()
			if err != nil {
				b.Logf("%s", out)
			}
			return err
		}
	}
	steps := []struct {
		name string
		run  func() error
	}{
		{"docker-build", dockerBuild},
		{"mingo-load", mingoLoad()},
		{"mingo-load-scratch", mingoLoad("--base", "scratch", "-t", "mingo.local/server:scratch")},
	}
	// Warm every cache: Docker's build cache, Go's, mingo's, and the
	// engine's copy of mingo's images.
	for _, s := range steps {
		if err := s.run(); err != nil {
			b.Fatalf("%s: %v", s.name, err)
		}
	}
	times := make([][]float64, len(steps))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for j, s := range steps {
			start := time.Now()
			if err := s.run(); err != nil {
				b.Fatalf("%s: %v", s.name, err)
			}
			times[j] = append(times[j], time.Since(start).Seconds())
		}
	}
	b.StopTimer()
	docker := median(times[0])
	b.ReportMetric(docker, "docker-build-s")
	for j, s := range steps[1:] {
		m := median(times[j+1])
		b.ReportMetric(m, s.name+"-s")
		b.ReportMetric(m/docker, s.name+"/docker-build")
	}
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

// dockerContext writes a build context holding examples/server and the
// two-stage Dockerfile that builds it as mingo does (static, -trimpath,
// -s -w, no VCS stamping) onto scratch.
func dockerContext(dir string) error {
	src, err := os.ReadFile("../examples/server/main.go")
	if err != nil {
		return err
	}
	files := map[string]string{
		"go.mod":                  "module github.com/mingo-build/mingo\n\ngo 1.26.0\n",
		"examples/server/main.go": string(src),
		".dockerignore":           "Dockerfile\n",
		"Dockerfile": `FROM mingo-bench/golang:local AS build
ENV CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-buildvcs=false GOCACHE=/root/.cache/go-build
WORKDIR /src
COPY go.mod ./
COPY examples/server/main.go examples/server/
RUN ["/usr/local/go/bin/go", "build", "-trimpath", "-ldflags=-s -w", "-o", "/out/server", "./examples/server"]

FROM scratch
COPY --from=build /out/server /usr/local/bin/server
ENTRYPOINT ["/usr/local/bin/server"]
`,
	}
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// golangRootfs writes a root file system tarball with the local GOROOT as
// /usr/local/go (its test/ tree left out), /tmp and /root.
func golangRootfs(path string) error {
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		return err
	}
	goroot := strings.TrimSpace(string(out))
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	tw := tar.NewWriter(f)
	for _, d := range []struct {
		name string
		mode int64
	}{{"tmp/", 0o1777}, {"root/", 0o700}, {"usr/", 0o755}, {"usr/local/", 0o755}} {
		if err := tw.WriteHeader(&tar.Header{Name: d.name, Mode: d.mode, Typeflag: tar.TypeDir}); err != nil {
			return err
		}
	}
	err = filepath.WalkDir(goroot, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(goroot, p)
		if rel == "test" {
			return filepath.SkipDir
		}
		fi, err := e.Info()
		if err != nil {
			return err
		}
		link := ""
		if fi.Mode()&fs.ModeSymlink != 0 {
			if link, err = os.Readlink(p); err != nil {
				return err
			}
		}
		h, err := tar.FileInfoHeader(fi, link)
		if err != nil {
			return err
		}
		h.Name = filepath.ToSlash(filepath.Join("usr/local/go", rel))
		if e.IsDir() {
			h.Name += "/"
		}
		h.Uid, h.Gid, h.Uname, h.Gname = 0, 0, "", ""
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if !fi.Mode().IsRegular() {
			return nil
		}
		src, err := os.Open(p)
		if err != nil {
			return err
		}
		defer src.Close()
		_, err = io.Copy(tw, src)
		return err
	})
	if err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return f.Close()
}
