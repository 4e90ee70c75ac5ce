package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// BenchmarkDebugVariant measures what --debug costs, with the probe
// program for linux/amd64 and linux/arm64 and the toolbox made from
// Debian's busybox-static (see toolbox), over the harness's TLS registry:
//
//   - toolbox-bytes-ARCH: the compressed bytes a debug variant adds to its
//     platform's image (its one layer on top; the manifest and config
//     are a few hundred bytes more);
//   - plain-s: a warm build and push whose images the registry holds;
//   - debug-first-s: the same build with --debug when the registry holds
//     the production images but not the variants, which it pushes;
//   - debug-s: the --debug build again, everything in the registry.
//
// Each iteration pushes to a new repository; the first push of its
// production image is not timed. Run it with bench/debug.sh.
func BenchmarkDebugVariant(b *testing.B) {
	if env.skip != "" {
		b.Skipf("SKIPPED (not in CI): %s", env.skip)
	}
	tb, err := toolbox()
	if err != nil {
		b.Fatal(err)
	}
	build := func(repo string, debug bool) float64 {
		args := []string{"build", ".", "-q", "-t", repo + ":v1", "--platform", "linux/amd64,linux/arm64"}
		if debug {
			args = append(args, "--debug", "--debug-toolbox", tb)
		}
		cmd := exec.Command(env.mingo, args...)
		cmd.Dir = env.probeDir
		cmd.Env = append(os.Environ(), "SSL_CERT_FILE="+env.reg.CAFile, "DOCKER_CONFIG="+env.reg.DockerConfigDir,
			"MINGO_CACHE="+filepath.Join(env.work, "cache"))
		start := time.Now()
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("mingo %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return time.Since(start).Seconds()
	}
	warm := env.reg.Host + "/bench/debug-warm"
	build(warm, true) // Go's, mingo's and the toolbox's caches
	var plain, first, again []float64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		repo := fmt.Sprintf("%s/bench/debug-%d", env.reg.Host, i)
		build(repo, false)
		plain = append(plain, build(repo, false))
		first = append(first, build(repo, true))
		again = append(again, build(repo, true))
	}
	b.StopTimer()
	for _, arch := range []string{"amd64", "arm64"} {
		b.ReportMetric(float64(toolboxBytes(b, warm+":v1-debug", arch)), "toolbox-bytes-"+arch)
	}
	b.ReportMetric(median(plain), "plain-s")
	b.ReportMetric(median(first), "debug-first-s")
	b.ReportMetric(median(again), "debug-s")
}

// toolboxBytes is the compressed size of the top layer of the arch image
// of the debug variant ref: its toolbox.
func toolboxBytes(b *testing.B, ref, arch string) int64 {
	r, err := name.ParseReference(ref)
	if err != nil {
		b.Fatal(err)
	}
	opts := append(registryOptions(), remote.WithPlatform(v1.Platform{OS: "linux", Architecture: arch}))
	img, err := remote.Image(r, opts...)
	if err != nil {
		b.Fatal(err)
	}
	m, err := img.Manifest()
	if err != nil {
		b.Fatal(err)
	}
	return m.Layers[len(m.Layers)-1].Size
}
