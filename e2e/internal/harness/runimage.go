package harness

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// RunImage runs one platform of an image with runc and returns the
// process's standard output.
//
// src is either "docker://HOST/REPO:TAG" (or @DIGEST), for which reg, when
// not nil, supplies the CA (--src-cert-dir; plain HTTP registries get
// --src-tls-verify=false) and the credentials (--src-authfile from
// reg.DockerConfigDir/config.json), or "oci:DIR:REF", for which reg may be
// nil. platform is "os/arch" or "os/arch/variant", e.g. "linux/arm64" or
// "linux/arm/v7"; foreign architectures need EnableQEMU first.
//
// The image is copied with `skopeo copy` (--override-os/-arch/-variant
// choosing the platform out of an index) into a temporary OCI layout under
// workDir, unpacked with `umoci unpack` into a runtime bundle, and run with
// `runc run` without a terminal, stdin from /dev/null, under a unique
// container id with a private runc state directory; args are appended to
// the image's entrypoint+cmd. The container is deleted afterwards. Tool
// output is logged to runimage.log in the temporary directory, which is
// removed on success, except for the log, and kept on failure.
func RunImage(ctx context.Context, workDir string, reg *Registry, src string, platform string, args ...string) (stdout string, err error) {
	osName, arch, variant, err := parsePlatform(platform)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(workDir, 0o755); err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp(workDir, "runimage-")
	if err != nil {
		return "", err
	}
	logFile := filepath.Join(dir, "runimage.log")
	defer func() {
		if err != nil {
			err = fmt.Errorf("harness: RunImage %s (%s): %w\n(files kept in %s)", src, platform, err, dir)
			return
		}
		for _, sub := range []string{"layout", "bundle", "tmp", "runc"} {
			_ = os.RemoveAll(filepath.Join(dir, sub))
		}
	}()

	// skopeo: our own trust policy and registries.conf, never the host's.
	policy := filepath.Join(dir, "policy.json")
	regConf := filepath.Join(dir, "registries.conf")
	tmp := filepath.Join(dir, "tmp")
	if err := errors.Join(
		os.WriteFile(policy, []byte(`{"default":[{"type":"insecureAcceptAnything"}]}`+"\n"), 0o644),
		os.WriteFile(regConf, []byte("# empty: no mirrors, no search registries\n"), 0o644),
		os.MkdirAll(tmp, 0o755),
	); err != nil {
		return "", err
	}
	skopeoArgs := []string{"--policy", policy, "--tmpdir", tmp, "--override-os", osName, "--override-arch", arch}
	if variant != "" {
		skopeoArgs = append(skopeoArgs, "--override-variant", variant)
	}
	skopeoArgs = append(skopeoArgs, "copy")
	if strings.HasPrefix(src, "docker://") && reg != nil {
		if reg.CAFile != "" {
			certDir := filepath.Join(dir, "certs")
			ca, err := os.ReadFile(reg.CAFile)
			if err != nil {
				return "", err
			}
			if err := os.MkdirAll(certDir, 0o755); err != nil {
				return "", err
			}
			if err := os.WriteFile(filepath.Join(certDir, "ca.crt"), ca, 0o644); err != nil {
				return "", err
			}
			skopeoArgs = append(skopeoArgs, "--src-cert-dir", certDir)
		} else {
			skopeoArgs = append(skopeoArgs, "--src-tls-verify=false")
		}
		authFile := filepath.Join(reg.DockerConfigDir, "config.json")
		if _, err := os.Stat(authFile); reg.DockerConfigDir != "" && err == nil {
			skopeoArgs = append(skopeoArgs, "--src-authfile", authFile)
		} else {
			skopeoArgs = append(skopeoArgs, "--src-no-creds")
		}
	}
	layout := filepath.Join(dir, "layout")
	skopeoArgs = append(skopeoArgs, src, "oci:"+layout+":image")
	env := cleanEnv("CONTAINERS_REGISTRIES_CONF=" + regConf)
	if _, err := runCommand(ctx, logFile, env, skopeoBin, skopeoArgs...); err != nil {
		return "", err
	}

	bundle := filepath.Join(dir, "bundle")
	if _, err := runCommand(ctx, logFile, env, umociBin, "unpack", "--image", layout+":image", bundle); err != nil {
		return "", err
	}
	if err := patchRuntimeConfig(filepath.Join(bundle, "config.json"), args); err != nil {
		return "", err
	}

	runcRoot := filepath.Join(dir, "runc")
	id := "mingo-" + randomHex(6)
	runc := runcPath()
	defer func() {
		// runc run removes the container when it exits; this covers a
		// cancelled context or a container that did not start.
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if _, statErr := os.Stat(filepath.Join(runcRoot, id)); statErr == nil {
			if _, derr := runCommand(dctx, logFile, env, runc, "--root", runcRoot, "delete", "--force", id); derr != nil && err == nil {
				err = derr
			}
		}
	}()
	return runCommand(ctx, logFile, env, runc, "--root", runcRoot, "run", "--bundle", bundle, id)
}

// parsePlatform splits "os/arch[/variant]".
func parsePlatform(platform string) (osName, arch, variant string, err error) {
	parts := strings.Split(platform, "/")
	if len(parts) < 2 || len(parts) > 3 || parts[0] == "" || parts[1] == "" {
		return "", "", "", fmt.Errorf("harness: platform %q is not os/arch[/variant]", platform)
	}
	if len(parts) == 3 {
		variant = parts[2]
	}
	return parts[0], parts[1], variant, nil
}

// patchRuntimeConfig makes umoci's runtime config non-interactive (umoci
// asks for a terminal) and appends args to the process arguments. Unknown
// fields are preserved.
func patchRuntimeConfig(path string, args []string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var cfg map[string]any
	if err := json.Unmarshal(b, &cfg); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	proc, ok := cfg["process"].(map[string]any)
	if !ok {
		return fmt.Errorf("%s: no process section", path)
	}
	proc["terminal"] = false
	delete(proc, "consoleSize")
	procArgs, _ := proc["args"].([]any)
	for _, a := range args {
		procArgs = append(procArgs, a)
	}
	if len(procArgs) == 0 {
		return fmt.Errorf("%s: the image has no entrypoint or cmd and no args were given", path)
	}
	proc["args"] = procArgs
	out, err := json.MarshalIndent(cfg, "", "\t")
	if err != nil {
		return err
	}
	return os.WriteFile(path, out, 0o644)
}
