package main

import (
	"errors"
	"fmt"
	"os"
	"path"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mingo-build/mingo/internal/build"
	"github.com/mingo-build/mingo/internal/layers"
)

// imageFlags are the flags that shape the image: its base, the layers mingo
// generates, and the config.
type imageFlags struct {
	base                    string
	caCerts, tzdata, passwd bool
	caBundle                string
	user                    string
	env, labels, annots     []string
	workdir                 string
	args, adds              []string
	expose, volumes         []string
	stopSignal              string
	compression             string
}

func (f *imageFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.base, "base", build.BaseDistroless, "`BASE` image: distroless (CA bundle, tzdata, passwd, runs as nonroot; generated, nothing pulled), scratch (the binary alone), or a registry reference")
	fl.BoolVar(&f.caCerts, "ca-certs", false, "add the CA bundle layer (/etc/ssl/certs/ca-certificates.crt) (default: from --base)")
	fl.BoolVar(&f.tzdata, "tzdata", false, "add the time-zone database layer (/usr/share/zoneinfo) (default: from --base)")
	fl.BoolVar(&f.passwd, "passwd", false, "add /etc/passwd, /etc/group (root, nonroot 65532, nobody), /home/nonroot and /tmp (default: from --base)")
	fl.StringVar(&f.caBundle, "ca-bundle", "", "use the PEM certificates in `FILE` as the CA bundle instead of the Mozilla roots")
	fl.StringVar(&f.user, "user", "", "run as `USER`: nonroot, root, nobody or UID[:GID] (default: nonroot for distroless, the base's otherwise)")
	fl.StringArrayVar(&f.env, "env", nil, "set `KEY=VALUE` in the image's environment (repeatable)")
	fl.StringArrayVar(&f.labels, "label", nil, "set the config label `KEY=VALUE` (repeatable)")
	fl.StringArrayVar(&f.annots, "annotation", nil, "set `KEY=VALUE` on every manifest and the index (repeatable)")
	fl.StringVar(&f.workdir, "workdir", "", "working `DIR` of the process (absolute)")
	fl.StringArrayVar(&f.args, "arg", nil, "default `ARG` after the entrypoint (repeatable, in order)")
	fl.StringArrayVar(&f.adds, "add", nil, "copy `LOCAL:IMAGEPATH` (a file or directory) into the image, owned by root (repeatable)")
	fl.StringArrayVar(&f.expose, "expose", nil, "record that the program listens on `PORT[/tcp|/udp]` (repeatable)")
	fl.StringArrayVar(&f.volumes, "volume", nil, "declare `PATH` (absolute) a volume (repeatable)")
	fl.StringVar(&f.stopSignal, "stop-signal", "", "`SIGNAL` that stops the container, for example SIGINT (default: the engine's, SIGTERM)")
	fl.StringVar(&f.compression, "compression", string(layers.Gzip), "compress the layers mingo writes with `ALGORITHM`: gzip (every engine reads it) or zstd (smaller; Docker Engine 23+, containerd 1.5+, podman)")
}

// options turns the flags into the builder's image settings. changed
// reports whether the user gave a flag, so that --tzdata=false can override
// a preset while an absent --tzdata keeps it.
func (f *imageFlags) options(changed func(string) bool) (build.Generated, []build.Add, build.ImageConfig, error) {
	var gen build.Generated
	var cfg build.ImageConfig
	preset := build.PresetFor(f.base)
	gen.CACerts, gen.TZData, gen.Passwd = preset.CACerts, preset.TZData, preset.Passwd
	override := func(flag string, value bool, dst *bool) {
		if changed(flag) {
			*dst = value
		}
	}
	override("ca-certs", f.caCerts, &gen.CACerts)
	override("tzdata", f.tzdata, &gen.TZData)
	override("passwd", f.passwd, &gen.Passwd)
	if f.caBundle != "" {
		if changed("ca-certs") && !f.caCerts {
			return gen, nil, cfg, errors.New("--ca-bundle with --ca-certs=false: drop one of them")
		}
		pem, err := os.ReadFile(f.caBundle)
		if err != nil {
			return gen, nil, cfg, fmt.Errorf("--ca-bundle: %w", err)
		}
		if _, err := layers.ParseCABundle(pem); err != nil {
			return gen, nil, cfg, fmt.Errorf("--ca-bundle %s: %w", f.caBundle, err)
		}
		gen.CACerts, gen.CABundle = true, pem
	}
	cfg.User = f.user
	if cfg.User == "" {
		cfg.User = preset.User
	}
	var err error
	if cfg.Env, err = keyValues("--env", f.env); err != nil {
		return gen, nil, cfg, err
	}
	if cfg.Labels, err = keyValueMap("--label", f.labels); err != nil {
		return gen, nil, cfg, err
	}
	if cfg.Annotations, err = keyValueMap("--annotation", f.annots); err != nil {
		return gen, nil, cfg, err
	}
	if f.workdir != "" && (!path.IsAbs(f.workdir) || path.Clean(f.workdir) != f.workdir) {
		return gen, nil, cfg, fmt.Errorf("--workdir %q: give a clean absolute path, for example /srv", f.workdir)
	}
	cfg.WorkDir, cfg.Args = f.workdir, f.args
	if err := f.runtime(&cfg); err != nil {
		return gen, nil, cfg, err
	}
	var adds []build.Add
	for _, spec := range f.adds {
		local, imagePath, err := layers.ParseAdd(spec)
		if err != nil {
			return gen, nil, cfg, fmt.Errorf("--add: %w", err)
		}
		adds = append(adds, build.Add{Local: local, ImagePath: imagePath})
	}
	return gen, adds, cfg, nil
}

// keyValues checks KEY=VALUE entries and returns them as given.
func keyValues(flag string, kvs []string) ([]string, error) {
	for _, kv := range kvs {
		if k, _, ok := strings.Cut(kv, "="); !ok || k == "" || strings.ContainsAny(k, " \t\n") {
			return nil, fmt.Errorf("invalid %s %q: want KEY=VALUE", flag, kv)
		}
	}
	return kvs, nil
}

func keyValueMap(flag string, kvs []string) (map[string]string, error) {
	if _, err := keyValues(flag, kvs); err != nil {
		return nil, err
	}
	if len(kvs) == 0 {
		return nil, nil
	}
	m := map[string]string{}
	for _, kv := range kvs {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m, nil
}

// runtime checks --expose, --volume and --stop-signal into cfg.
func (f *imageFlags) runtime(cfg *build.ImageConfig) error {
	for _, p := range f.expose {
		port, err := build.ParsePort(p)
		if err != nil {
			return fmt.Errorf("--expose: %w", err)
		}
		cfg.Expose = append(cfg.Expose, port)
	}
	for _, v := range f.volumes {
		if err := build.CheckVolume(v); err != nil {
			return fmt.Errorf("--volume: %w", err)
		}
	}
	cfg.Volumes = f.volumes
	if f.stopSignal != "" {
		sig, err := build.ParseSignal(f.stopSignal)
		if err != nil {
			return fmt.Errorf("--stop-signal: %w", err)
		}
		cfg.StopSignal = sig
	}
	return nil
}
