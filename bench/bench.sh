#!/usr/bin/env bash
# Benchmark: mingo against plain `go build` with the same flags, measured in
# the same run, for a small program (an HTTP server) and a medium one (crane,
# from go-containerregistry, taken as a module dependency), each for
# linux/amd64 and linux/arm64.
#
#   go build x2    two sequential `go build -trimpath -ldflags "-s -w"`, one
#                  per platform (what a Makefile or Dockerfile does); warm Go
#                  build cache, outputs left in place (so go skips relinking)
#   go build relink  the same with the outputs removed first: compile cache
#                  warm, but both binaries linked again
#   mingo cold     `mingo build --tarball` with an empty mingo cache, warm Go
#                  build cache: compile (link), static check, layer, write
#   mingo nochange the same again with nothing changed
#
# Compression: crane's two-platform image with gzip and with zstd, from an
# empty mingo cache: time (ratio to gzip) and compressed size.
#
# Each time is the median of RUNS runs; ratios are to `go build x2`.
#
# Monorepo ("mono"): a module generated in the work dir (a copy of
# bench/mod plus internal/shared and 30 mains cmd/svc01..cmd/svc30, all
# importing internal/shared, which imports go-containerregistry's name, authn
# and remote), built for linux/amd64 + linux/arm64 with warm caches:
#
#   go build nochange  `go build -o DIR_$arch/ ./cmd/...` once per platform,
#                      outputs kept, nothing changed: baseline, 1.00x
#   mingo nochange     `mingo build ./cmd/... --push=false` (images built, no
#                      output written, like go build -o) with nothing changed
#                      (warm mingo cache); ratio to `go build nochange`
#                      (target at most 2.0x)
#   go build fresh     the same go build with the output dirs removed first
#                      (compile cache warm, all 60 binaries linked): 1.00x
#   mingo cold         mingo with an empty mingo cache, warm Go build cache;
#                      ratio to `go build fresh` (target at most 1.2x)
# Usage: bench/bench.sh [RUNS]   (default 5)
set -euo pipefail

runs=${1:-5}
root=$(cd "$(dirname "$0")/.." && pwd)
mod="$root/bench/mod"
# shellcheck source=bench/mono.sh
. "$root/bench/mono.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

go build -o "$work/mingo" "$root/cmd/mingo"
export MINGO_CACHE="$work/cache"

now() { date +%s.%N; }

# median CMD...: runs CMD $runs times, prints the median wall time in seconds.
median() {
	local times=() t0 t1
	for _ in $(seq "$runs"); do
		[ -n "${before:-}" ] && eval "$before"
		t0=$(now)
		"$@" >/dev/null 2>&1
		t1=$(now)
		times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')")
	done
	printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

plain_build() {
	local pkg=$1
	(cd "$mod" && for arch in amd64 arm64; do
		CGO_ENABLED=0 GOOS=linux GOARCH=$arch go build -trimpath -ldflags "-s -w" -o "$work/plain-$arch" "$pkg"
	done)
}

mingo_build() {
	(cd "$mod" && "$work/mingo" build "$1" --platform linux/amd64,linux/arm64 --push=false --tarball "$work/image.tar" -q)
}

printf '%-7s %-16s %10s %8s\n' program step seconds ratio
for prog in small:./small medium:github.com/google/go-containerregistry/cmd/crane; do
	label=${prog%%:*} pkg=${prog#*:}
	plain_build "$pkg" # warm Go's build cache for both platforms
	mingo_build "$pkg" >/dev/null
	base=$(before="" median plain_build "$pkg")
	relink=$(before='rm -f "$work"/plain-*' median plain_build "$pkg")
	cold=$(before='rm -rf "$MINGO_CACHE"' median mingo_build "$pkg")
	warm=$(before="" median mingo_build "$pkg")
	for row in "go build x2:$base" "go build relink:$relink" "mingo cold:$cold" "mingo nochange:$warm"; do
		printf '%-7s %-16s %10.3f %7.2fx\n' "$label" "${row%%:*}" "${row#*:}" "$(awk -v a="${row#*:}" -v b="$base" 'BEGIN {print a / b}')"
	done
	(cd "$mod" && "$work/mingo" build "$pkg" --platform linux/amd64,linux/arm64 --push=false --json -q) |
		python3 -c '
import json, sys
d = json.load(sys.stdin)
for p in d["platforms"]:
    print("%-7s %-16s binary %6.2f MiB, image %6.2f MiB compressed" % (sys.argv[1], p["platform"], p["binarySize"]/2**20, p["size"]/2**20))
' "$label"
done

# Compression: crane for linux/amd64 + linux/arm64 with gzip (the default)
# and with --compression zstd, each from an empty mingo cache (warm Go build
# cache, so the time is linking, layering and compressing): median time and
# the compressed size of both platform images (manifests, configs, layers).
crane=github.com/google/go-containerregistry/cmd/crane
comp_build() { (cd "$mod" && "$work/mingo" build "$crane" --platform linux/amd64,linux/arm64 --push=false --compression "$1" -q); }
comp_size() {
	(cd "$mod" && "$work/mingo" build "$crane" --platform linux/amd64,linux/arm64 --push=false --compression "$1" --json -q) |
		python3 -c 'import json, sys; print(sum(p["size"] for p in json.load(sys.stdin)["platforms"]))'
}
gzip_t=$(before='rm -rf "$MINGO_CACHE"' median comp_build gzip)
zstd_t=$(before='rm -rf "$MINGO_CACHE"' median comp_build zstd)
gzip_s=$(comp_size gzip)
zstd_s=$(comp_size zstd)
printf '%-7s %-16s %10.3f %7.2fx  %6.2f MiB compressed (2 platforms)\n' crane "gzip cold" "$gzip_t" 1 "$(awk -v a="$gzip_s" 'BEGIN {print a / 2^20}')"
printf '%-7s %-16s %10.3f %7.2fx  %6.2f MiB compressed (2 platforms), %.2fx gzip\n' crane "zstd cold" "$zstd_t" \
	"$(awk -v a="$zstd_t" -v b="$gzip_t" 'BEGIN {print a / b}')" "$(awk -v a="$zstd_s" 'BEGIN {print a / 2^20}')" "$(awk -v a="$zstd_s" -v b="$gzip_s" 'BEGIN {print a / b}')"

# Many binaries: ./multi/... (three programs) in one mingo run, against three
# separate runs, both from an empty mingo cache (compile, link, layer).
many_one() { (cd "$mod" && "$work/mingo" build ./multi/... --platform linux/amd64,linux/arm64 --push=false --tarball "$work/many.tar" -q); }
many_three() {
	for n in one two three; do
		(cd "$mod" && "$work/mingo" build "./multi/$n" --platform linux/amd64,linux/arm64 --push=false --tarball "$work/$n.tar" -q)
	done
}
many_one >/dev/null
three=$(before='rm -rf "$MINGO_CACHE"' median many_three)
one=$(before='rm -rf "$MINGO_CACHE"' median many_one)
printf '%-7s %-16s %10.3f %7.2fx\n' many "3 separate runs" "$three" 1
printf '%-7s %-16s %10.3f %7.2fx\n' many "one ./multi/..." "$one" "$(awk -v a="$one" -v b="$three" 'BEGIN {print a / b}')"

# Monorepo: 30 mains sharing one dependency graph (see the top comment).
mono="$work/mono"
make_mono "$mono" "$mod"
mono_go() {
	(cd "$mono" && for arch in amd64 arm64; do
		CGO_ENABLED=0 GOOS=linux GOARCH=$arch go build -trimpath -ldflags "-s -w" -o "$work/mono-$arch/" ./cmd/...
	done)
}
mono_mingo() {
	(cd "$mono" && "$work/mingo" build ./cmd/... --platform linux/amd64,linux/arm64 --push=false -q)
}
mono_go # warm both caches
mono_mingo >/dev/null
go_nochange=$(before="" median mono_go)
mingo_nochange=$(before="" median mono_mingo)
go_fresh=$(before='rm -rf "$work"/mono-amd64 "$work"/mono-arm64' median mono_go)
mingo_cold=$(before='rm -rf "$MINGO_CACHE"' median mono_mingo)
for row in "go build nochange:$go_nochange:$go_nochange" "mingo nochange:$mingo_nochange:$go_nochange" \
	"go build fresh:$go_fresh:$go_fresh" "mingo cold:$mingo_cold:$go_fresh"; do
	IFS=: read -r step t base <<<"$row"
	printf '%-7s %-16s %10.3f %7.2fx\n' mono "$step" "$t" "$(awk -v a="$t" -v b="$base" 'BEGIN {print a / b}')"
done

# Trust: what SBOMs, signing and provenance add to a two-platform build and
# push of the small program, against a plain push, on a fresh loopback
# registry each run (Debian's docker-registry; skipped if it is missing).
if [ -x /usr/bin/docker-registry ]; then
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	store="$work/registry"
	cat >"$work/registry.yml" <<YML
version: 0.1
log: {level: error}
storage: {filesystem: {rootdirectory: $store}}
http: {addr: 127.0.0.1:$port}
YML
	# The registry's pid lives in a file: median runs fresh_registry in a
	# command substitution, a subshell whose variables the caller never sees.
	pidfile="$work/registry.pid"
	stop_registry() {
		local pid
		pid=$(cat "$pidfile" 2>/dev/null) || return 0
		kill "$pid" 2>/dev/null || true
		while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
		rm -f "$pidfile"
	}
	fresh_registry() {
		stop_registry
		rm -rf "$store"
		/usr/bin/docker-registry serve "$work/registry.yml" >"$work/registry.log" 2>&1 &
		echo $! >"$pidfile"
		for _ in $(seq 50); do curl -s "http://127.0.0.1:$port/v2/" >/dev/null && return; sleep 0.1; done
		echo "bench: the registry did not start:" >&2; cat "$work/registry.log" >&2; return 1
	}
	trap 'stop_registry; rm -rf "$work"' EXIT
	(cd "$work" && COSIGN_PASSWORD=bench "$work/mingo" generate-key --dir "$work" 2>/dev/null)
	push() { (cd "$mod" && COSIGN_PASSWORD=bench "$work/mingo" build ./small -t "127.0.0.1:$port/bench/small:v1" -q "$@"); }
	trust_plain() { push --sbom none; }
	trust_sbom() { push; }
	trust_all() { push --sign --key "$work/cosign.key" --tlog-upload=false --provenance; }
	fresh_registry; trust_all >/dev/null # warm the layer cache
	base=""
	for v in plain sbom all; do
		t=$(before='fresh_registry' median "trust_$v")
		fresh_registry; "trust_$v" >/dev/null
		bytes=$(du -sb "$store" | cut -f1)
		[ -z "$base" ] && base=$t basebytes=$bytes
		printf '%-7s %-16s %10.3f %7.2fx  registry %9d bytes %6.3fx\n' trust "$v" "$t" \
			"$(awk -v a="$t" -v b="$base" 'BEGIN {print a / b}')" "$bytes" "$(awk -v a="$bytes" -v b="$basebytes" 'BEGIN {print a / b}')"
	done
fi

# The registry as a build cache (--cache-repo) on cold runners: crane cold
# against a cold hit, and the monorepo after one change. Each run is a cold
# build, so one run each (see cache.sh).
"$root/bench/cache.sh" 1
