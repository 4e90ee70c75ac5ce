package main

import (
	"github.com/spf13/pflag"

	"github.com/mingo-build/mingo"
	"github.com/mingo-build/mingo/config"
	"github.com/mingo-build/mingo/internal/build"
	"github.com/mingo-build/mingo/internal/layers"
)

// registerImageFlags defines the flags that shape the image (its base, the
// layers mingo generates, its config) as an overlay of mingo.yaml's keys.
func registerImageFlags(fl *pflag.FlagSet, im *config.Image) {
	withDefault(fl, text{dst: &im.Base}, "base", mingo.BaseDistroless, "`BASE` image: distroless (CA bundle, tzdata, passwd, runs as nonroot; generated, nothing pulled), scratch (the binary alone), or a registry reference")
	boolVar(fl, &im.CACerts, "ca-certs", "add the CA bundle layer (/etc/ssl/certs/ca-certificates.crt) (default: from --base)")
	boolVar(fl, &im.TZData, "tzdata", "add the time-zone database layer (/usr/share/zoneinfo) (default: from --base)")
	boolVar(fl, &im.Passwd, "passwd", "add /etc/passwd, /etc/group (root, nonroot 65532, nobody), /home/nonroot and /tmp (default: from --base)")
	fl.Var(text{dst: &im.CABundle}, "ca-bundle", "use the PEM certificates in `FILE` as the CA bundle instead of the Mozilla roots")
	fl.Var(text{dst: &im.User}, "user", "run as `USER`: nonroot, root, nobody or UID[:GID] (default: nonroot for distroless, the base's otherwise)")
	fl.Var(keyValues{&im.Env}, "env", "set `KEY=VALUE` in the image's environment (repeatable)")
	fl.Var(keyValues{&im.Labels}, "label", "set the config label `KEY=VALUE` (repeatable)")
	fl.Var(keyValues{&im.Annotations}, "annotation", "set `KEY=VALUE` on every manifest and the index (repeatable)")
	fl.Var(text{dst: &im.Workdir}, "workdir", "working `DIR` of the process (absolute)")
	fl.Var(list{dst: &im.Args}, "arg", "default `ARG` after the entrypoint (repeatable, in order)")
	fl.Var(list{dst: &im.Add, check: checkAdd}, "add", "copy `LOCAL:IMAGEPATH` (a file or directory) into the image, owned by root (repeatable)")
	fl.Var(list{dst: &im.Expose, check: checkPort}, "expose", "record that the program listens on `PORT[/tcp|/udp]` (repeatable)")
	fl.Var(list{dst: &im.Volumes, check: build.CheckVolume}, "volume", "declare `PATH` (absolute) a volume (repeatable)")
	fl.Var(text{dst: &im.StopSignal, check: checkSignal}, "stop-signal", "`SIGNAL` that stops the container, for example SIGINT (default: the engine's, SIGTERM)")
	boolVar(fl, &im.Debug, "debug", "also publish each image's debug variant, TAG-debug: the same layers plus a static busybox in /busybox, on PATH, for docker exec -it CONTAINER sh")
	fl.Var(text{dst: &im.DebugToolbox}, "debug-toolbox", "take the debug variants' busybox from the image `REF` (default $MINGO_DEBUG_TOOLBOX, else "+mingo.DefaultToolbox+"), which must offer every platform built")
	boolVar(fl, &im.Delve, "delve", "build the program for a debugger (no optimizations, symbols kept) and run it under Delve's headless server on port 40000: dlv connect HOST:40000")
	fl.Var(list{dst: &im.With}, "with", "also put the binary of the main `PACKAGE` in the image at /usr/local/bin/<name>, in its own layer; the entrypoint stays the first package's (repeatable)")
	fl.Var(list{dst: &im.Capabilities, comma: true, check: checkCapability}, "capabilities", "grant the binary file the Linux `CAPS` (comma-separated, for example net_bind_service), as ko's linux_capabilities; the container must be allowed them (docker run --cap-add)")
	withDefault(fl, text{dst: &im.Compression, check: checkCompression}, "compression", mingo.Gzip, "compress the layers mingo writes with `ALGORITHM`: gzip (every engine reads it) or zstd (smaller; Docker Engine 23+, containerd 1.5+, podman)")
}

func checkAdd(s string) error         { _, _, err := layers.ParseAdd(s); return err }
func checkPort(s string) error        { _, err := build.ParsePort(s); return err }
func checkSignal(s string) error      { _, err := build.ParseSignal(s); return err }
func checkCapability(s string) error  { _, err := layers.ParseCapabilities([]string{s}); return err }
func checkCompression(s string) error { _, err := layers.ParseCompression(s); return err }

// flagOf is the flag that sets a mingo.yaml key.
func flagOf(key string) string {
	switch key {
	case "platforms", "labels", "annotations", "args", "volumes", "tags":
		return key[:len(key)-1]
	}
	return key
}
