# httpwire development tasks. `make test` runs everything CI runs (see .ci/run).

GO       ?= go
FUZZTIME ?= 30s
# The shared specifications and vectors live next to the clone: <parent>/shared. A clone of a local checkout
# (git clone /path/to/main) finds them next to that checkout instead, when it has none of its own.
ORIGIN_SHARED := $(shell o=$$(git config --get remote.origin.url 2>/dev/null); \
	[ -d "$$o/../shared" ] && cd "$$o/../shared" && pwd)
SHARED   ?= $(firstword $(wildcard $(CURDIR)/../shared) $(ORIGIN_SHARED) $(CURDIR)/../shared)

STATICCHECK_VERSION := v0.8.2
H2SPEC_VERSION      := v2.2.1+incompatible
# Where `go install` puts binaries: GOBIN, else the first GOPATH entry's bin.
GOBIN_DIR := $(or $(shell $(GO) env GOBIN),$(firstword $(subst :, ,$(shell $(GO) env GOPATH)))/bin)
# staticcheck and h2spec from PATH, else from GOBIN_DIR even when that is not on PATH.
STATICCHECK ?= $(or $(shell command -v staticcheck 2>/dev/null),$(GOBIN_DIR)/staticcheck)
H2SPEC      ?= $(or $(shell command -v h2spec 2>/dev/null),$(GOBIN_DIR)/h2spec)

# The root module and every nested module (each directory with a go.mod, test fixtures excluded).
MODULES := $(sort $(patsubst %/go.mod,%,$(shell find . -name go.mod -not -path '*/testdata/*' -not -path './.git/*')))

# Runs the command $(1) in every module that has packages; a module without any yet is skipped.
define each_module
	@set -e; for m in $(MODULES); do \
		if [ -z "$$(cd $$m && $(GO) list -e ./... 2>/dev/null)" ]; then \
			echo "==> $$m: no packages yet, skipping"; continue; \
		fi; \
		echo "==> $$m: $(1)"; \
		(cd $$m && $(1)); \
	done
endef

.PHONY: demo conformance bench-micro test check check-deps test-race test-allocs fuzz fuzz-short vectors h2spec bench eventloop-bench tools

# The six capabilities against embedded local peers: a table of results, non-zero exit on any failure.
demo:
	$(GO) run ./cmd/httpwire demo

# Everything CI runs, in order: formatting and static checks, the dependency rule, tests with the race
# detector in every module, a short fuzz pass, the HTTP/1.1 conformance vectors, h2spec and the interop matrix.
# .NOTPARALLEL keeps that order under make -j.
.NOTPARALLEL:
test: tools check check-deps test-race test-allocs fuzz-short vectors h2spec conformance

# gofmt must have nothing to say; go vet and staticcheck must pass in every module.
check:
	@unformatted="$$(gofmt -l .)"; \
	if [ -n "$$unformatted" ]; then echo "gofmt -l: these files need gofmt -w:"; echo "$$unformatted"; exit 1; fi
	@test -x "$(STATICCHECK)" || { echo "staticcheck not found at $(STATICCHECK); run make tools"; exit 1; }
	$(call each_module,$(GO) vet ./... && $(STATICCHECK) ./...)

# The dependency rule of DESIGN.md §2: what the cores may import and call, and how the layers stack.
check-deps:
	$(GO) run ./internal/depcheck/cmd/checkdeps

# Unit, property and pair tests with the race detector, in every module.
test-race:
	$(call each_module,$(GO) test -race ./...)

# Allocation budgets per request, without the race detector (which changes sync.Pool's behaviour).
test-allocs:
	$(GO) test -count=1 -run 'TestAllocsPerRequest' ./pool

# Every fuzz target of the root module, one after another, FUZZTIME each (make fuzz FUZZTIME=30s).
fuzz:
	FUZZTIME=$(FUZZTIME) GO=$(GO) bash fuzz/run.sh

# The short fuzz pass CI runs: 60,000 executions per target (a count, not a duration: see fuzz/run.sh).
fuzz-short:
	FUZZTIME=60000x GO=$(GO) bash fuzz/run.sh

# HTTP/1.1 vectors: ours (conformance/vectors/h1) and the shared suite ($(SHARED)/conformance/h1).
vectors:
	cd conformance && $(GO) run ./cmd/h1vectors vectors/h1 $(SHARED)/conformance/h1

# h2spec in strict mode against the h2c server driver on a loopback port (all 146 cases must pass).
h2spec:
	@test -x "$(H2SPEC)" || { echo "h2spec not found at $(H2SPEC); run make tools"; exit 1; }
	H2SPEC="$(H2SPEC)" bash conformance/h2spec.sh

# The interoperability matrix against nginx, nghttpd, go-httpbin, net/http, Python and Node WebSocket servers,
# and curl and h2load against the server drivers; installs the peers it lacks (apt, npm).
NODE_DIR ?= $(CURDIR)/.cache/node
conformance:
	bash conformance/install-peers.sh $(NODE_DIR)
	cd conformance && $(GO) run ./cmd/matrix -node-modules $(NODE_DIR)

# The scenarios side by side (httpwire, net/http, x/net/http2, fasthttp, a raw-socket floor, h2load), servers in
# a child process; QUICK=1 for short runs, RUNS=N for the median of N runs. Ends with the goals judged.
# Writes bench/results/latest.json. Not part of make test.
bench:
	bash conformance/install-peers.sh --nghttp2
	cd bench && $(GO) run ./cmd/bench $(if $(QUICK),-quick) $(if $(RUNS),-runs $(RUNS)) -json results/latest.json

# The epoll event loop vs httpwire's pool vs net/http's Transport at 1,000 and 10,000 connections, against a
# net/http server in a child process: req/s and memory per connection. QUICK=1 for 1 s runs. Not part of make test.
eventloop-bench:
	cd examples/eventloop && $(GO) run . -compare $(if $(QUICK),-duration 1s) -conns 1000,10000

# The micro-benchmarks of the root module (cores, pool), with allocation counts.
bench-micro:
	$(GO) test -run='^$$' -bench=. -benchmem ./...

# Development tools, pinned, each installed only when it is not already available.
tools:
	@if command -v staticcheck >/dev/null 2>&1; then echo "staticcheck: $$(command -v staticcheck)"; \
	elif [ -x "$(GOBIN_DIR)/staticcheck" ]; then echo "staticcheck: $(GOBIN_DIR)/staticcheck"; \
	else echo "installing staticcheck@$(STATICCHECK_VERSION)"; $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION); fi
	@if command -v h2spec >/dev/null 2>&1; then echo "h2spec: $$(command -v h2spec)"; \
	elif [ -x "$(GOBIN_DIR)/h2spec" ]; then echo "h2spec: $(GOBIN_DIR)/h2spec"; \
	else echo "installing h2spec@$(H2SPEC_VERSION)"; GOFLAGS= $(GO) install github.com/summerwind/h2spec/cmd/h2spec@$(H2SPEC_VERSION); fi
