package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"net/rpc"
	"net/rpc/jsonrpc"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// --delve: the program runs under Delve's headless server, which answers
// a JSON-RPC call on port 40000 in a real dockerd.
func TestDelveImage(t *testing.T) {
	requireEnv(t)
	repo := env.reg.Host + "/e2e/delve"
	out := strings.TrimSpace(mustMingo(t, "build", ".", "-t", repo+":v1", "--platform", "linux/amd64", "--delve"))
	img := platformImageOf(t, out)
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	if ep := cf.Config.Entrypoint; len(ep) < 2 || ep[0] != "/usr/local/bin/dlv" || !slices.Contains(ep, "/usr/local/bin/probe") {
		t.Errorf("entrypoint %q, want the program under /usr/local/bin/dlv", ep)
	}
	if _, ok := cf.Config.ExposedPorts["40000/tcp"]; !ok {
		t.Errorf("exposed ports %v, want 40000/tcp", cf.Config.ExposedPorts)
	}
	ctx := context.Background()
	if _, err := env.docker.Run(ctx, env.reg.DockerConfigDir, "pull", repo+":v1"); err != nil {
		t.Fatal(err)
	}
	// Delve traces its child: ptrace and personality(ADDR_NO_RANDOMIZE).
	id, err := env.docker.Run(ctx, env.reg.DockerConfigDir, "run", "-d", "--network", "host", "--cap-add", "SYS_PTRACE",
		"--security-opt", "seccomp=unconfined", repo+":v1")
	if err != nil {
		t.Fatal(err)
	}
	defer env.docker.Run(ctx, env.reg.DockerConfigDir, "rm", "-f", strings.TrimSpace(id)) //nolint:errcheck
	if err := delveAnswers("127.0.0.1:40000", 60*time.Second); err != nil {
		logs, _ := env.docker.Run(ctx, env.reg.DockerConfigDir, "logs", strings.TrimSpace(id))
		t.Fatalf("Delve on port 40000: %v\ncontainer output:\n%s", err, logs)
	}
	// Delve cannot debug arm/v7: refused before anything is built.
	r := mingo(t, nil, "build", ".", "-t", repo+":armv7", "--platform", "linux/arm/v7", "--delve")
	if r.err == nil || !strings.Contains(r.stderr, "linux/arm/v7") || strings.Contains(r.stderr, "compiling") {
		t.Errorf("--delve for linux/arm/v7: %v\n%s", r.err, r.stderr)
	}
}

// delveAnswers calls RPCServer.State on Delve's JSON-RPC API at addr until
// it answers (a server error, such as "process has exited", is an answer
// too) or the time is up.
func delveAnswers(addr string, wait time.Duration) error {
	deadline := time.Now().Add(wait)
	for {
		c, err := jsonrpc.Dial("tcp", addr)
		if err == nil {
			var state json.RawMessage
			err = c.Call("RPCServer.State", map[string]any{"NonBlocking": true}, &state)
			c.Close()
			if err == nil || errors.As(err, new(rpc.ServerError)) {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// platformImageOf is the single-platform image at ref (REPOSITORY@DIGEST).
func platformImageOf(t *testing.T, ref string) v1.Image {
	t.Helper()
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	img, err := remote.Image(r, registryOptions()...)
	if err != nil {
		t.Fatal(err)
	}
	return img
}
