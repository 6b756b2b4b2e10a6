# Planetary: `make run` starts a local network, `make test` runs every test.
GO       ?= go
BIN      := bin
VERSION  ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -s -w -X github.com/freeflowuniverse/planetary/internal/version.Version=$(VERSION)
CMDS     := $(notdir $(wildcard cmd/*))
# Packages whose tests run under the race detector (they have goroutines of their own).
RACE_PKGS ?= $(shell $(GO) list ./pnic/... ./tun/... ./rmb/... ./twin/... ./chain/... ./pin/... 2>/dev/null)
OTHER_PKGS ?= $(filter-out $(RACE_PKGS),$(shell $(GO) list ./...))

.PHONY: all build test vet deps run bench generate clean fmt

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
	$(GO) test -race -timeout 30m $(RACE_PKGS)
	$(GO) test -timeout 30m $(OTHER_PKGS)

run: build
	./scripts/run-local.sh

# Benchmarks need root (namespaces, TUN) and iperf3; results go to bench/out/, summaries to bench/RESULTS.md.
bench:
	@command -v iperf3 >/dev/null || { apt-get update -qq && apt-get install -y -qq iperf3 >/dev/null; }
	rm -f bench/out/pnic.txt
	PLANETARY_BENCH=1 $(GO) test -count=1 -v -timeout 30m -run 'TestBench' ./bench/pnic/
	@cat bench/out/pnic.txt

generate:
	$(GO) generate ./...

clean:
	rm -rf $(BIN) .run
