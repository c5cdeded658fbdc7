# sslshim -- the two commands a new user needs:
#   make run    installs what is missing, builds, and starts httpd over sslshim on https://localhost:8443
#   make test   builds once and runs every test (unit, ABI, compat with real apache2 + clients)
SHELL := /bin/bash
CARGO ?= cargo
PORT ?= 8443
LIB_DIR := $(CURDIR)/target/release
LIB := $(LIB_DIR)/libssl.so.3

.PHONY: all build deps run stop test check bench header clean

all: build

deps:
	@./scripts/install-deps.sh

# The cdylib comes out as libssl.so; httpd finds it by its SONAME file name.
build:
	$(CARGO) build --release -p sslshim
	@cp -f $(LIB_DIR)/libssl.so $(LIB).tmp && mv -f $(LIB).tmp $(LIB)
	@echo "built $(LIB)"

header:
	@./scripts/gen-header.sh

# Quick pre-commit check: the generated files (C header, README import table) match their sources.
check:
	@./scripts/gen-header.sh --check
	@python3 tools/status-table.py --check

run: deps build
	@./scripts/run-httpd.sh start $(PORT)

stop:
	@./scripts/run-httpd.sh stop $(PORT)

test: deps build
	@./scripts/run-tests.sh

# Side-by-side benchmark, same httpd over system OpenSSL and over sslshim (not part of make test).
bench: deps build
	$(CARGO) run --release -q -p compat-tests --bin sslshim-bench -- $(BENCH_ARGS)

clean:
	$(CARGO) clean
