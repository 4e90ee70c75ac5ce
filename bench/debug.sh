#!/usr/bin/env bash
# Benchmark: what --debug adds (the toolbox layer's compressed bytes per
# platform, the time of a warm build and push with and without the debug
# variants, and of the push that adds them when the production images
# are in the registry), over the test harness's TLS registry, with a
# toolbox made from Debian's busybox-static. Needs root, like the
# end-to-end tests; see BenchmarkDebugVariant in e2e/.
#
# Usage: bench/debug.sh [RUNS]   (default 5)
set -euo pipefail
runs=${1:-5}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root/e2e"
go test -count=1 -run '^$' -bench BenchmarkDebugVariant -benchtime "${runs}x" -timeout 40m . |
	grep -E '^(Benchmark|ok|FAIL)'
