#!/usr/bin/env bash
# Benchmark: the registry as a build cache (mingo build --cache-repo), as a
# fresh CI runner sees it: every run starts with an empty Go build cache
# (GOCACHE) and an empty mingo cache; the module cache stays (go.sum pins
# it). A loopback Distribution registry (Debian's docker-registry, plain
# HTTP; no root needed) holds the images and the cache repository.
#
#   crane cold        `mingo build` of crane (go-containerregistry's
#                     cmd/crane as a module dependency) for linux/amd64 +
#                     linux/arm64, pushed to a new repository: 1.00x
#   crane cold hit    the same with --cache-repo after another runner
#                     recorded it: no go build, the binary layers mounted
#                     from the cache repository (target at most 0.10x)
#   mono cold         the 30-main monorepo (as bench.sh generates it) for
#                     two platforms, --push=false, no cache: all 60
#                     binaries: 1.00x; then a runner recording them
#   mono one changed  after one main changed, a cold runner with
#                     --cache-repo: binaries compiled (of 60), registry
#                     requests and time against a cold build without any
#                     cache (target at most 0.25x), over loopback and with
#                     a 20 ms round trip to the registry
#   go test           this repository's test binaries built on a cold
#                     runner, without a cache and through mingo gocache
#                     after another runner recorded them
#
# Usage: bench/cache.sh [RUNS [SECTION...]]   (RUNS default 1, each run a
# cold build; SECTIONs crane, mono, gotest, default all three)
set -euo pipefail

runs=${1:-1}
sections=${*:2}
sections=${sections:-crane mono gotest}
root=$(cd "$(dirname "$0")/.." && pwd)
mod="$root/bench/mod"
# shellcheck source=bench/mono.sh
. "$root/bench/mono.sh"
if [ ! -x /usr/bin/docker-registry ]; then
	echo "cache: skipped: /usr/bin/docker-registry (Debian's docker-registry) is not installed" >&2
	exit 0
fi
work=$(mktemp -d)
go build -o "$work/mingo" "$root/cmd/mingo"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
reg="127.0.0.1:$port"
cat >"$work/registry.yml" <<YML
version: 0.1
log: {level: error}
storage: {filesystem: {rootdirectory: $work/registry}}
http: {addr: $reg}
YML
/usr/bin/docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
regpid=$!
trap 'kill $regpid 2>/dev/null; wait $regpid 2>/dev/null || true; chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do curl -s "http://$reg/v2/" >/dev/null && break; sleep 0.1; done

now() { date +%s.%N; }
n=0
# cold DIR ARGS...: mingo build in DIR with empty Go and mingo caches; prints
# the wall time in seconds. Its standard error is kept in $work/last.err.
cold() {
	local dir=$1 t0 t1
	shift
	chmod -R u+w "$work/gocache" 2>/dev/null || true
	rm -rf "$work/gocache" "$work/mingocache"
	n=$((n + 1))
	t0=$(now)
	(cd "$dir" && GOCACHE="$work/gocache" MINGO_CACHE="$work/mingocache" "$work/mingo" build "$@" -v >/dev/null 2>"$work/last.err")
	t1=$(now)
	awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}'
}
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
row() { printf '%-7s %-18s %10.3f %7.2fx%s\n' "$1" "$2" "$3" "$(awk -v a="$3" -v b="$4" 'BEGIN {print a / b}')" "${5:-}"; }

plats=linux/amd64,linux/arm64
requests() { grep -cE '"(GET|HEAD|PUT|POST|PATCH|DELETE) /v2/' "$work/registry.log" || true; }
printf '%-7s %-18s %10s %8s\n' program step seconds ratio

crane_section() {
	crane=github.com/google/go-containerregistry/cmd/crane
	cache="$reg/bench/mingo-cache"
	base=$(for _ in $(seq "$runs"); do cold "$mod" "$crane" --platform "$plats" -t "$reg/bench/crane-$n:v1"; done | median)
	cold "$mod" "$crane" --platform "$plats" -t "$reg/bench/crane-seed:v1" --cache-repo "$cache" >/dev/null # record
	hit=$(for _ in $(seq "$runs"); do cold "$mod" "$crane" --platform "$plats" -t "$reg/bench/crane-$n:v1" --cache-repo "$cache"; done | median)
	hits=$(grep -c 'cache hit' "$work/last.err" || true)
	row crane "cold" "$base" "$base"
	row crane "cold hit" "$hit" "$base" "  ($hits of 2 binaries from the cache)"
}

mono_section() {
	# The monorepo of bench.sh: 30 mains sharing internal/shared. The baseline
	# is a full cold build without any cache; then a runner records into the
	# cache repository, one main changes, and cold runners build with
	# --cache-repo: over loopback, then through bench/delayproxy.py, which
	# adds 10 ms each way (a 20 ms round trip, as to a registry in another
	# region). The registry's access log counts the requests of each build.
	mono="$work/mono"
	make_mono "$mono" "$mod"
	monocache="$reg/bench/mono-cache"
	change() { sed -i "s/fmt.Println(.*shared.Describe(\"svc07\", os.Args))/fmt.Println(\"$1\", shared.Describe(\"svc07\", os.Args))/" "$mono/cmd/svc07/main.go"; }
	plain=$(cold "$mono" ./cmd/... --platform "$plats" --push=false)
	full=$(cold "$mono" ./cmd/... --platform "$plats" --push=false --cache-repo "$monocache")
	compiled_full=$(grep -c 'cache miss' "$work/last.err" || true)
	change "changed:"
	r0=$(requests)
	one=$(cold "$mono" ./cmd/... --platform "$plats" --push=false --cache-repo "$monocache")
	r1=$(requests)
	compiled_one=$(grep -c 'cache miss' "$work/last.err" || true)
	pport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	python3 "$root/bench/delayproxy.py" "$pport" "$reg" 10 >"$work/proxy.log" 2>&1 &
	proxypid=$!
	trap 'kill $regpid $proxypid 2>/dev/null; wait $regpid $proxypid 2>/dev/null || true; chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
	for _ in $(seq 50); do grep -q ready "$work/proxy.log" && break; sleep 0.1; done
	change "changed again:"
	r2=$(requests)
	slow=$(cold "$mono" ./cmd/... --platform "$plats" --push=false --cache-repo "127.0.0.1:$pport/bench/mono-cache")
	r3=$(requests)
	compiled_slow=$(grep -c 'cache miss' "$work/last.err" || true)
	row mono "cold, no cache" "$plain" "$plain" "  (60 binaries compiled)"
	row mono "cold, recording" "$full" "$plain" "  ($compiled_full of 60 binaries compiled)"
	row mono "one changed, hit" "$one" "$plain" "  ($compiled_one of 60 binaries compiled, $((r1 - r0)) registry requests)"
	row mono "same, 20ms RTT" "$slow" "$plain" "  ($compiled_slow of 60 binaries compiled, $((r3 - r2)) registry requests)"
}

gotest_section() {
	# go test of this repository on cold runners (empty GOCACHE): without any
	# cache, then a runner recording through `mingo gocache` (GOCACHEPROG),
	# then a second runner reading what the first recorded. -run '^$' builds
	# every package's test binary and runs no test (the end-to-end package,
	# whose TestMain starts real components, is left out), so the time is
	# Go's own build work; a test result Go cached is reported "(cached)".
	gotest() {
		local t0 t1
		chmod -R u+w "$work/gocache" 2>/dev/null || true
		rm -rf "$work/gocache" "$work/mingocache"
		t0=$(now)
		(cd "$root" && GOCACHE="$work/gocache" MINGO_CACHE="$work/mingocache" GOCACHEPROG="$1" \
			go test -run '^$' $(go list ./... | grep -v /e2e) >"$work/gotest.out" 2>&1)
		t1=$(now)
		awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}'
	}
	prog="$work/mingo gocache --repo $reg/bench/gocache"
	nocache=$(gotest "")
	gotest "$prog" >/dev/null
	r4=$(requests)
	shared=$(gotest "$prog")
	r5=$(requests)
	row "go test" "cold, no cache" "$nocache" "$nocache"
	row "go test" "cold, gocache hit" "$shared" "$nocache" "  ($(grep -c '(cached)' "$work/gotest.out" || true) packages' results cached, $((r5 - r4)) registry requests)"
}

for s in $sections; do "${s}_section"; done
