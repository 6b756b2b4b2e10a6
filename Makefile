# Planetary: `make run` starts a local network, `make test` runs every test.
GO       ?= go
BIN      := bin
VERSION  ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -s -w -X github.com/freeflowuniverse/planetary/internal/version.Version=$(VERSION)
CMDS     := $(notdir $(wildcard cmd/*))
MODULE   := github.com/freeflowuniverse/planetary
# Packages whose tests run under the race detector (they have goroutines of their own).
ALL_PKGS  := $(shell $(GO) list ./...)
RACE_PKGS ?= $(filter $(addprefix $(MODULE)/,pnic% tun% rmb% twin% chain% pin% grid%),$(ALL_PKGS))
OTHER_PKGS ?= $(filter-out $(RACE_PKGS),$(ALL_PKGS))

.PHONY: all build test vet deps run bench generate clean image web

all: build

build:
	@mkdir -p $(BIN)
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/ $(addprefix ./cmd/,$(CMDS))

deps:
	@./scripts/deps.sh

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...

test: deps vet
	@test -n "$(RACE_PKGS)" || { echo "make test: no packages found"; exit 1; }
	$(GO) test -race -timeout 30m $(RACE_PKGS)
	$(GO) test -timeout 30m $(OTHER_PKGS)

run: build
	$(BIN)/gridctl run

# Benchmarks need root (namespaces, TUN) and iperf3; results go to bench/out/, summaries to bench/RESULTS.md.
bench:
	@command -v iperf3 >/dev/null || { apt-get update -qq && apt-get install -y -qq iperf3 >/dev/null; }
	rm -f bench/out/*.txt
	PLANETARY_BENCH=1 $(GO) test -count=1 -v -timeout 60m -run 'TestBench' ./bench/...
	@cat bench/out/*.txt

# The Zero-OS rootfs tarball (static binaries and zinit services): images/out/planetary-rootfs.tar.gz.
image:
	./images/build.sh

generate:
	$(GO) generate ./...

# The twin's SDK and web UI: rebuilds twin/js/dist (committed, what `npm install ./twin/js` gets) and
# twin/web/dist (committed, embedded in twind; it bundles the SDK) from their TypeScript.
web:
	cd twin/js && npm ci --no-audit --no-fund --loglevel=error && node build.mjs
	cd twin/web && npm ci --no-audit --no-fund --loglevel=error && node build.mjs

clean:
	rm -rf $(BIN) .grid
