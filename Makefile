# mingo's own build and test entry points.
GO ?= go

.PHONY: all install test vet bench
all: install

## install: put mingo in $(go env GOPATH)/bin
install:
	$(GO) install ./cmd/mingo

## vet: go vet and gofmt, as CI runs them
vet:
	$(GO) vet ./...
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi

## test: every test, unit and end-to-end. The end-to-end set-up installs its
## Debian packages (docker-registry, docker.io, runc, skopeo, umoci,
## qemu-user-static, binfmt-support, iptables, ca-certificates, podman, conmon,
## git, make; shellcheck for the release checks; busybox-static for amd64 and
## arm64 downloaded, not installed, for the debug toolbox) and starts them on loopback;
## it needs root.
test: vet
	$(GO) test -count=1 -timeout 40m ./...

## bench: mingo against plain go build, printed as ratios: first issue 22's
## edit-loop and at-rest cases against both platforms' go build at once, with
## mingo's phases (bench/loop.sh), then the rest (bench/bench.sh)
bench:
	bench/loop.sh
	bench/bench.sh
