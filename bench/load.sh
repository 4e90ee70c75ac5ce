#!/usr/bin/env bash
# Benchmark: `mingo build ./examples/server --load` (nothing changed, one
# platform) against `docker build -t` of the equivalent two-stage Dockerfile
# (golang build stage, FROM scratch final stage) with a warm build cache,
# both into the test harness's private dockerd, alternating in the same run.
# The golang stage's base is imported from the local Go toolchain (GOROOT as
# /usr/local/go, via `docker import`): no image is pulled. Needs root, like
# the end-to-end tests; see BenchmarkLoadVsDockerBuild in e2e/.
#
# Usage: bench/load.sh [RUNS]   (default 5)
set -euo pipefail
runs=${1:-5}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root/e2e"
go test -count=1 -run '^$' -bench BenchmarkLoadVsDockerBuild -benchtime "${runs}x" -timeout 40m . |
	grep -E '^(Benchmark|ok|FAIL)'
