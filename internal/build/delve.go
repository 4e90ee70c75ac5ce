package build

import (
	"context"
	_ "embed"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/mingo-build/mingo/internal/atomicfile"
	"github.com/mingo-build/mingo/internal/gotool"
	"github.com/mingo-build/mingo/internal/layers"
	"github.com/mingo-build/mingo/platform"
	"github.com/mingo-build/mingo/sbom"
)

// Delve is built from this module version, pinned with its dependencies
// by delve.mod and delve.sum (a module whose only purpose is to build
// cmd/dlv; `go get -tool github.com/go-delve/delve/cmd/dlv@VERSION` in it
// updates both).
const DelveVersion = "v1.27.2"

// DelvePort is where Delve's headless server listens in an image built
// with Settings.Delve, as in ko's --debug images.
const DelvePort = 40000

var (
	//go:embed delve.mod
	delveMod []byte
	//go:embed delve.sum
	delveSum []byte
)

// delveArches are the Linux architectures Delve debugs.
var delveArches = []string{"amd64", "arm64", "386", "ppc64le", "riscv64", "loong64"}

// DelvePlatformError is a platform Delve cannot debug.
type DelvePlatformError struct{ Platform string }

func (e *DelvePlatformError) Error() string {
	return fmt.Sprintf("Delve does not debug %s programs; it debugs linux/%s", e.Platform, strings.Join(delveArches, ", linux/"))
}

// CheckDelve reports the first platform Delve cannot debug.
func CheckDelve(plats []platform.Platform) error {
	for _, p := range plats {
		o := p.OCI()
		ok := false
		for _, a := range delveArches {
			ok = ok || o.OS == "linux" && o.Architecture == a
		}
		if !ok {
			return &DelvePlatformError{Platform: p.String()}
		}
	}
	return nil
}

// delveEntrypoint runs the program at target under Delve's headless server,
// which starts it at once (--continue) and lets debuggers attach and
// detach (--accept-multiclient); the image's arguments follow "--".
func delveEntrypoint(target string) []string {
	return []string{path.Join(BinDir, "dlv"), "exec", "--headless", "--listen=:" + strconv.Itoa(DelvePort), "--api-version=2",
		"--accept-multiclient", "--continue", "--check-go-version=false", target, "--"}
}

// dlvLayer is the layer holding Delve for p at /usr/local/bin/dlv, built
// once per session and platform.
func (s *session) dlvLayer(ctx context.Context, p platform.Platform, comp layers.Compression) (layerSpec, error) {
	return entry(&s.mu, &s.dlv, p.String()+" "+string(comp)).get(func() (layerSpec, error) {
		bin, err := s.buildDlv(ctx, p)
		if err != nil {
			return layerSpec{}, err
		}
		if err := CheckStatic(bin); err != nil {
			return layerSpec{}, err
		}
		e, err := layers.File(bin, path.Join(BinDir, "dlv"), fs.FileMode(0o755))
		if err != nil {
			return layerSpec{}, err
		}
		l, err := layers.BuildContext(ctx, s.Cache, []layers.Entry{e}, layers.Options{Compression: comp})
		if err != nil {
			return layerSpec{}, fmt.Errorf("layering Delve: %w", err)
		}
		c := &sbom.Component{Name: "delve", Version: DelveVersion, License: "MIT",
			Source: "github.com/go-delve/delve/cmd/dlv@" + DelveVersion + ", built by mingo",
			PURL:   "pkg:golang/github.com/go-delve/delve@" + DelveVersion}
		return layerSpec{l, "delve", "mingo: Delve " + DelveVersion, withDiffID(c, l)}, nil
	})
}

// buildDlv compiles Delve for p into the cache, once per Delve version, Go
// version and platform, and returns the binary's path.
func (s *session) buildDlv(ctx context.Context, p platform.Platform) (string, error) {
	root := filepath.Join(s.Cache.Dir(), "delve")
	bin := filepath.Join(root, DelveVersion+"-"+s.goVer(ctx), strings.ReplaceAll(p.String(), "/", "_"), "dlv")
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	src := filepath.Join(root, "src-"+DelveVersion)
	if err := os.MkdirAll(src, 0o755); err != nil {
		return "", err
	}
	for name, b := range map[string][]byte{"go.mod": delveMod, "go.sum": delveSum} {
		if err := atomicfile.WriteFile(filepath.Join(src, name), b, 0o644); err != nil {
			return "", err
		}
	}
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		return "", err
	}
	out, err := os.MkdirTemp(filepath.Dir(bin), ".tmp-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(out)
	gb := &gotool.Build{Dir: src, Platform: p, LDFlags: "", Out: out, Packages: []string{"github.com/go-delve/delve/cmd/dlv"}}
	s.logf("%s: %s", p, gb.CommandLine())
	if msg, err := gb.Command(ctx).CombinedOutput(); err != nil {
		return "", fmt.Errorf("building Delve %s for %s: %w: %s", DelveVersion, p, err, gotool.FirstLine(string(msg)))
	}
	return bin, os.Rename(filepath.Join(out, "dlv"), bin)
}
