package main

import (
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// expose, volumes, stop-signal and compression in mingo.yaml reach the
// image; bad values are errors at their line.
func TestConfigRuntimeKeys(t *testing.T) {
	host := memRegistry(t)
	cfg := writeConfig(t, `images:
  - package: ./cmd/hello
    repository: `+host+`/team/hello
    platforms: [linux/amd64]
    expose: ["8080", 53/udp]
    volumes: [/data]
    stop-signal: int
    compression: zstd
`)
	if _, stderr, err := run(t, "build", "--config", cfg); err != nil {
		t.Fatalf("mingo build --config: %v\n%s", err, stderr)
	}
	r, _ := name.ParseReference(host + "/team/hello:latest")
	img, err := remote.Image(r)
	if err != nil {
		t.Fatal(err)
	}
	cf, _ := img.ConfigFile()
	c := cf.Config
	_, tcp := c.ExposedPorts["8080/tcp"]
	_, udp := c.ExposedPorts["53/udp"]
	_, data := c.Volumes["/data"]
	if !tcp || !udp || !data || c.StopSignal != "SIGINT" {
		t.Errorf("config = ports %v volumes %v stop signal %q", c.ExposedPorts, c.Volumes, c.StopSignal)
	}
	m, _ := img.Manifest()
	for _, l := range m.Layers {
		if l.MediaType != types.OCILayerZStd {
			t.Errorf("layer media type %s, want zstd from the file", l.MediaType)
		}
	}
}

func TestConfigRuntimeKeysBad(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"images:\n  - package: ./cmd/hello\n    expose: [\"99999\"]\n", "mingo.yaml:3: images[0].expose: port 99999 is out of range"},
		{"images:\n  - package: ./cmd/hello\n    volumes: [data]\n", "mingo.yaml:3: images[0].volumes: volume \"data\""},
		{"images:\n  - package: ./cmd/hello\n    stop-signal: SIGNOPE\n", "mingo.yaml:3: images[0].stop-signal"},
		{"images:\n  - package: ./cmd/hello\n    compression: xz\n", "mingo.yaml:3: images[0].compression"},
	} {
		_, _, err := run(t, "build", "--config", writeConfig(t, tc.text), "--push=false")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("config %q: error %v, want %q", tc.text, err, tc.want)
		}
	}
	if _, _, err := run(t, "build", "./cmd/hello", "--push=false", "--expose", "99999"); err == nil || !strings.Contains(err.Error(), "--expose: port 99999 is out of range") || !strings.Contains(err.Error(), "1-65535") {
		t.Errorf("--expose 99999: %v", err)
	}
}
