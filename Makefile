# neco — see README.md. Targets: build test lint fuzz demo demo-down bench clean.

GO          ?= go
VERSION     ?= 0.1.0+git$(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
LDFLAGS     := -X github.com/necoship/neco/pkg/buildinfo.Version=$(VERSION)
STATICCHECK := $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2
BIN         := bin
FUZZTIME    ?= 20s

.PHONY: all build test lint fuzz demo demo-down bench clean

all: build

build:
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/ ./cmd/...

# The whole suite, with the race detector. Tests that need a system binary
# (dpkg, etcd, containerd) skip with a message only where it is missing;
# .ci/run installs them so CI never skips.
test:
	$(GO) test -race -count=1 ./...

lint:
	$(GO) vet ./...
	$(STATICCHECK) ./...

# Each fuzzer for FUZZTIME; the checked-in seeds under testdata/fuzz run in
# every `make test` already.
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "== $$pkg $$f"; $(GO) test -run='^$$' -fuzz="^$$f$$" -fuzztime=$(FUZZTIME) $$pkg; \
	  done; \
	done

# The demo: build a sample site package, publish releases to a mirror,
# serve it, and show what each env would pick. See dctest/demo.sh.
demo: build
	./dctest/demo.sh

demo-down:
	./dctest/demo.sh down

# Benchmarks only (never part of `make test`); results in bench/.
bench:
	@mkdir -p bench
	$(GO) test -run='^$$' -bench=. -benchmem -count=5 ./... | tee bench/results.txt

clean:
	rm -rf $(BIN)
