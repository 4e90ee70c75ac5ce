#!/usr/bin/env bash
# Benchmark: a newcomer's first `go install`, cold (an empty Go build cache
# and module cache, modules fetched from GOPROXY), of mingo (this
# checkout's cmd/mingo) and of ko (pinned), one after the other in the
# same run: wall time, packages compiled (go install -v lists each one,
# the standard library's included), module cache bytes and binary bytes.
#
# Measured 2026-12-06 on an idle 2-core machine: mingo 63 s, 355 packages,
# 161 MB of modules, a 22.5 MB binary; ko v0.19.1 168 s, 951 packages,
# 1,044 MB, 46.9 MB.
#
# Usage: bench/install.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
ko=github.com/google/ko@v0.19.1
work=$(mktemp -d)
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT

# cold NAME DIR PACKAGE: go install PACKAGE in DIR from empty caches.
cold() {
	local name=$1 dir=$2 pkg=$3 t0 t1
	chmod -R u+w "$work/cache" "$work/mod" 2>/dev/null || true
	rm -rf "$work/cache" "$work/mod"
	t0=$(date +%s.%N)
	(cd "$dir" && env -u GOFLAGS GOCACHE="$work/cache" GOMODCACHE="$work/mod" GOBIN="$work/bin/$name" \
		CGO_ENABLED=0 go install -v "$pkg" 2>"$work/$name.log")
	t1=$(date +%s.%N)
	printf '%-6s %8.1f s %6d packages %6d MB modules %6.1f MB binary\n' "$name" \
		"$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')" "$(grep -vc '^go: ' "$work/$name.log")" \
		"$(du -sm "$work/mod" | cut -f1)" "$(awk -v n="$(stat -c %s "$work/bin/$name"/*)" 'BEGIN {print n / 1048576}')"
}
cold mingo "$root" ./cmd/mingo
cold ko "$work" "$ko"
