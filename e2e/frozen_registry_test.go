package e2e

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mingo-build/mingo/e2e/internal/harness"
)

// A registry that freezes (SIGSTOP: connections are accepted by the
// kernel, nothing answers) before the push or during it fails the build
// within --registry-timeout plus a small margin, with a one-line error
// naming the registry and what mingo was waiting for.
func TestFrozenRegistry(t *testing.T) {
	requireEnv(t)
	reg, err := harness.StartRegistry(context.Background(), t.TempDir(), harness.RegistryOptions{TLS: true, Auth: true})
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	const timeout = 5 * time.Second
	blob := bigFile(t, 96<<20)
	for i, tc := range []struct {
		name    string
		trigger string // the progress line at which the registry freezes
	}{
		{"before the build", ""},
		{"before the push", `: built, `},
		{"during the push", `^pushing `},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"build", ".", "--platform", "linux/amd64", "--add", blob + ":/data/blob.bin",
				"--registry-timeout", timeout.String(), "-t", fmt.Sprintf("%s/e2e/frozen-%d:v1", reg.Host, i)}
			env := []string{"SSL_CERT_FILE=" + reg.CAFile, "DOCKER_CONFIG=" + reg.DockerConfigDir}
			var thaw func()
			freeze := func() {
				if thaw, err = reg.Freeze(); err != nil {
					t.Error(err)
				}
			}
			if tc.trigger == "" {
				freeze()
			}
			took, stderr, err := runFreezing(t, env, args, tc.trigger, freeze)
			if thaw != nil {
				thaw()
			}
			t.Logf("failed %v after the freeze", took.Round(100*time.Millisecond))
			if err == nil {
				t.Fatalf("the push to a frozen registry succeeded:\n%s", stderr)
			}
			last := lastLine(stderr)
			if !strings.HasPrefix(last, "mingo: error: ") || !strings.Contains(last, "registry "+reg.Host) || !strings.Contains(last, "made no progress for 5s while") {
				t.Errorf("last line %q, want one line naming the registry and what mingo waited for\n%s", last, stderr)
			}
			if limit := timeout + 5*time.Second; took > limit {
				t.Errorf("took %v to fail, want under %v", took, limit)
			}
		})
	}
}

// runFreezing runs mingo with extra environment and calls freeze at the
// first stderr line matching trigger (at the start when trigger is
// empty). It returns the time from freeze to exit, stderr and the error.
func runFreezing(t *testing.T, extraEnv, args []string, trigger string, freeze func()) (time.Duration, string, error) {
	t.Helper()
	cmd := exec.Command(env.mingo, args...)
	cmd.Dir = env.probeDir
	cmd.Env = append(append(os.Environ(), "MINGO_CACHE="+filepath.Join(env.work, "cache")), extraEnv...)
	var stderr bytes.Buffer
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	frozen := make(chan time.Time, 1)
	if trigger == "" {
		frozen <- start
	}
	re := regexp.MustCompile(trigger)
	sc := bufio.NewScanner(pipe)
	for sc.Scan() {
		stderr.WriteString(sc.Text() + "\n")
		if trigger != "" && len(frozen) == 0 && re.MatchString(sc.Text()) {
			freeze()
			frozen <- time.Now()
			trigger = ""
		}
	}
	err = cmd.Wait()
	exited := time.Now()
	select {
	case at := <-frozen:
		return exited.Sub(at), stderr.String(), err
	default:
		t.Fatalf("the run ended (%v) before the registry froze:\n%s", err, stderr.String())
		return 0, "", nil
	}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
