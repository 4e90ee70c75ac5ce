package main

import (
	"github.com/spf13/cobra"
)

func newRootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "mingo",
		Short: "Build minimal container images for Go programs, with no daemon and no Dockerfile",
		Long: `mingo compiles a Go main package statically for each target platform, wraps
it in a minimal image and pushes a multi-platform index to a registry, or
writes a tarball for docker load, or an OCI layout. No Docker daemon, no
Dockerfile, no base image to pull.`,
		Example: `  # Build for linux/amd64 and linux/arm64 and push to a registry
  mingo build ./cmd/api -t registry.example.com/team/api:v1.2.0

  # No registry: a tarball for docker load
  mingo build ./cmd/api --tarball api.tar --push=false
  docker load -i api.tar

  # Every command under ./cmd, each as registry.example.com/team/<name>
  mingo build ./cmd/... --repo registry.example.com/team -t v1.2.0 -t latest

  # The images described in mingo.yaml at the module root
  mingo build

  # Log in without Docker, then check an image rebuilds bit for bit
  echo "$TOKEN" | mingo login ghcr.io -u "$USER" --password-stdin
  mingo verify ./cmd/api ghcr.io/acme/api:v1.2.0

  # Shell completion
  source <(mingo completion bash)`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newBuildCommand(), newLoginCommand(), newVerifyCommand(), newGenerateKeyCommand(), newVersionCommand())
	return root
}
