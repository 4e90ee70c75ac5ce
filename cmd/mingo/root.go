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
  docker load -i api.tar`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newBuildCommand(), newLoginCommand(), newVerifyCommand(), newVersionCommand())
	return root
}
