# neco — see README.md. Targets: build test test-rules lint fuzz demo demo-publish demo-down
# bench clean deb lintian verify-units dctest.

GO          ?= go
VERSION     ?= 0.1.0+git$(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
LDFLAGS     := -X github.com/necoship/neco/pkg/buildinfo.Version=$(VERSION)
STATICCHECK := $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2
BIN         := bin
FUZZTIME    ?= 20s
# Build tags of the shipped binaries (debian/rules has the same; bench's
# TestBuildTagsAgree checks): static_build keeps containerd's client from
# importing Go's plugin package, whose mere presence makes the linker keep
# every exported method and export every symbol (neco-worker: 37 -> 25 MB
# of text, 11 MiB less resident); grpcnotrace drops gRPC's x/net/trace
# (html/template with it). Neither changes what neco does.
GO_TAGS     := static_build,grpcnotrace

.PHONY: all build test test-deps test-rules lint flake fuzz demo demo-publish demo-down bench clean deb lintian verify-units dctest

all: build

build:
	$(GO) build -tags '$(GO_TAGS)' -ldflags '$(LDFLAGS)' -o $(BIN)/ ./cmd/...

# The whole suite, with the race detector. Tests that need a system binary
# (dpkg, etcd, containerd) skip with a message only where it is missing;
# .ci/run installs them so CI never skips.
# The Debian packages whose binaries the tests run: dpkg, dash (maintainer
# scripts), busybox-static (the shell in pkg/deb's dpkg roots), groff-base
# (man pages), prometheus (the alert gate, promtool), containerd and runc
# with docker-registry (image pulls), dbus-daemon and systemd (units),
# util-linux. test-deps installs the missing ones as root
# and otherwise stops at once, naming them: a test that skips for want of
# one must not hide in a green run. testsummary ends the run with how many
# tests ran, passed, failed and were skipped, and why each skipped.
TEST_PACKAGES = dpkg dash busybox-static groff-base prometheus containerd runc docker-registry dbus-daemon systemd util-linux

test: SHELL := /bin/bash
test: .SHELLFLAGS := -o pipefail -c
test: test-deps test-rules
	$(GO) test -race -count=1 -json ./... | $(GO) run ./cmd/testsummary

test-deps:
	./dctest/ensure-packages $(TEST_PACKAGES)

# The Prometheus alert rules the package ships (debian/monitoring,
# docs/operations.md): promtool checks them and runs their unit tests,
# which say when each alert fires and when it must not. Unlike a Go test
# this does not skip without its binary: shipping untested rules is what
# it is there to prevent. promtool is in Debian's prometheus package,
# which .ci/run installs.
PROMTOOL   ?= promtool
MONITORING := debian/monitoring

test-rules:
	@command -v $(PROMTOOL) >/dev/null 2>&1 || { \
	  echo "test-rules: $(PROMTOOL) not found; install Debian's prometheus package (apt-get install prometheus), which ships it"; exit 1; }
	$(PROMTOOL) check rules $(MONITORING)/neco.rules.yml
	$(PROMTOOL) test rules $(MONITORING)/neco.rules.test.yml

lint:
	$(GO) vet ./...
	$(GO) vet -tags dctest ./dctest/...
	$(STATICCHECK) ./...
	$(STATICCHECK) -tags dctest ./dctest/...

# The data-center test (docs/dctest.md): root on Debian 12; the boot
# servers' root filesystem is cached in /var/cache/neco-dctest
# (NECO_DCTEST_CACHE). It installs the package from `make deb`.
dctest: deb
	NECO_DEB=$(abspath $(DEB)) $(GO) test -race -count=1 -tags dctest -timeout 40m -v -skip '^(TestPackage|TestShippedConfig)$$' ./dctest/...

# The flake hunt (README, Contributing; never part of CI): the packages
# whose tests run real daemons and loops, FLAKE_COUNT times each with the
# race detector, while stress-ng keeps every core busy. A test that fails
# here depends on the machine's speed, and would one day fail a clean-clone
# CI run.
FLAKE_PACKAGES ?= ./pkg/worker ./pkg/updater ./pkg/leader ./pkg/storage ./pkg/cli ./pkg/units ./pkg/images \
                  ./pkg/etcdconn ./pkg/daemon ./pkg/access ./pkg/alerts
FLAKE_COUNT    ?= 10
flake: SHELL := /bin/bash
flake:
	./dctest/ensure-packages stress-ng dpkg containerd runc docker-registry systemd dbus-daemon prometheus
	stress-ng --cpu $$(nproc) --timeout 3h --quiet & hog=$$!; trap 'kill $$hog' EXIT; \
	$(GO) test -race -count=$(FLAKE_COUNT) -timeout 90m $(FLAKE_PACKAGES); rc=$$?; \
	echo "flake: $(words $(FLAKE_PACKAGES)) packages x $(FLAKE_COUNT) runs under load: exit $$rc after $${SECONDS}s"; \
	exit $$rc

# Each fuzzer for FUZZTIME; the checked-in seeds under testdata/fuzz run in
# every `make test` already.
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "== $$pkg $$f"; $(GO) test -run='^$$' -fuzz="^$$f$$" -fuzztime=$(FUZZTIME) $$pkg; \
	  done; \
	done

# The demo (docs/dctest.md): the data-center test's three boot servers,
# left running, with a first release rolled out. As root on Debian 12; it
# installs the Debian packages it needs first.
DEMO_DIR      ?= build/demo
DEMO          = $(GO) run -tags dctest ./dctest/demo
DEMO_PACKAGES = mmdebstrap systemd-container iproute2 busybox-static util-linux \
  docker-registry dpkg-dev debhelper build-essential

demo:
	./dctest/ensure-packages $(DEMO_PACKAGES)
	$(MAKE) deb
	$(DEMO) up --deb $(abspath $(DEB)) --dir $(DEMO_DIR)

demo-publish:
	$(DEMO) publish --dir $(DEMO_DIR)

demo-down:
	$(DEMO) down --dir $(DEMO_DIR)

# Benchmarks only (never part of `make test`, which runs no benchmark):
# bench/results.txt is the raw output (benchstat reads it), and
# bench/report writes bench/results.md and bench/results.json from it. Each
# benchmark gets the iterations it needs to be stable in under 15 minutes
# on the reference machine (README, Performance); docs/bench.md says what
# each one measures.
BENCH_RUN = $(GO) test -run='^$$' -timeout 20m
# The barrier benchmark's largest site (issue 23 asks for 3000); a
# smaller one shortens a run.
BENCH_MAX_WORKERS ?= 3000
bench: SHELL := /bin/bash
bench: .SHELLFLAGS := -o pipefail -c
BENCH_PACKAGES = dpkg curl containerd runc docker-registry build-essential
bench:
	./dctest/ensure-packages $(BENCH_PACKAGES)
	@mkdir -p bench
	{ $(BENCH_RUN) -bench='^BenchmarkListReleases$$' -benchmem -count=5 ./pkg/releases/ && \
	  $(BENCH_RUN) -bench='^BenchmarkReleaseCheckRSS$$' -benchtime=3x -count=3 ./pkg/releases/ && \
	  $(BENCH_RUN) -bench='^BenchmarkDetection$$/^(webhook|webhook-follower|poll)$$' -benchtime=5x -count=1 ./pkg/updater/ && \
	  $(BENCH_RUN) -bench='^BenchmarkDetection$$/^steady$$' -benchtime=12x -count=1 ./pkg/updater/ && \
	  NECO_BENCH_MAX_WORKERS=$(BENCH_MAX_WORKERS) $(BENCH_RUN) -bench='^BenchmarkBarrierScale$$' -benchtime=1x -count=1 ./pkg/worker/ && \
	  $(BENCH_RUN) -bench='^BenchmarkOverhead$$' -benchtime=3x -count=3 ./bench/ && \
	  $(BENCH_RUN) -bench='^BenchmarkFootprint$$' -benchtime=1x -count=1 ./bench/ ; \
	} | tee bench/results.txt
	$(GO) run ./bench/report -in bench/results.txt -md bench/results.md -json bench/results.json

clean:
	rm -rf $(BIN)

# The Debian package (docs/packaging.md): built in a copy of the tree under
# build/deb/src, so that dpkg-buildpackage's outputs (written to the
# parent directory) and debian/'s build state stay inside build/. Needs
# debhelper, dpkg-dev and Go >= 1.26 on PATH; the build itself has no
# network, so the modules are downloaded first.
DEB_VERSION = $(shell dpkg-parsechangelog -S Version)
DEB_ARCH    = $(shell dpkg --print-architecture)
DEB         = build/neco_$(DEB_VERSION)_$(DEB_ARCH).deb
DEB_SOURCES := go.mod go.sum cmd pkg systemd debian

deb:
	$(GO) mod download
	rm -rf build/deb
	mkdir -p build/deb/src
	tar -c --exclude=debian/.debhelper --exclude=debian/neco --exclude=debian/tmp \
	  --exclude=debian/files --exclude='debian/*.substvars' --exclude='debian/*.log' \
	  --exclude=debian/debhelper-build-stamp $(DEB_SOURCES) | tar -x -C build/deb/src
	cd build/deb/src && dpkg-buildpackage -us -uc -b
	cp build/deb/$(notdir $(DEB)) $(DEB)
	@echo "built $(DEB)"

# lintian on the .deb; errors fail, kept warnings are listed in
# docs/packaging.md.
lintian:
	@test -f $(DEB) || { echo "$(DEB) missing: run make deb first"; exit 1; }
	lintian --fail-on error --display-info $(DEB)

# systemd-analyze verify, in a root where the .deb is unpacked (--root):
# it checks that ExecStart binaries and Documentation= man pages exist, so
# it cannot run on the units in the tree. Units are looked up in the root
# only, so the host's (sysinit.target, network-online.target...) are copied
# in beside ours. It reports bad lines as warnings and still exits 0: any
# output fails the target. PID 1 need not be systemd.
VERIFY_ROOT := build/verify-root
UNITS       := neco-updater.service neco-worker.service neco-mirror.service neco-etcd.service

verify-units:
	@test -f $(DEB) || { echo "$(DEB) missing: run make deb first"; exit 1; }
	rm -rf $(VERIFY_ROOT)
	dpkg-deb -x $(DEB) $(VERIFY_ROOT)
	cp -rn /lib/systemd/system/. $(VERIFY_ROOT)/lib/systemd/system/
	@root=$(CURDIR)/$(VERIFY_ROOT); \
	out=$$(MANPATH=$$root/usr/share/man systemd-analyze verify --root=$$root \
	  $(addprefix $$root/lib/systemd/system/,$(UNITS)) 2>&1); rc=$$?; \
	if [ $$rc -ne 0 ] || [ -n "$$out" ]; then echo "$$out"; echo "systemd-analyze verify failed"; exit 1; fi; \
	echo "systemd-analyze verify: $(UNITS) ok"
