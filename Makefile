# kefu — the two commands a newcomer needs are `make run` and `make test` (see README.md).
# Everything here wraps CMake + Ninja; build folders live under build/.

SHELL := /bin/bash
JOBS ?= $(shell nproc)
RELEASE_DIR := build/release
DEBUG_DIR := build/debug
ASAN_DIR := build/asan
KEFU := $(RELEASE_DIR)/bin/kefu
WERROR := $(if $(filter true,$(CI)),ON,OFF)

.PHONY: all release run test bench debug asan deps clean format web

all: release

# Installs Debian and npm packages only when something is missing (a quick dpkg check).
deps:
	@scripts/install-deps --check >/dev/null 2>&1 || scripts/install-deps

define configure
	@cmake -S . -B $(1) -G Ninja $(2) -DKEFU_WERROR=$(WERROR) >/dev/null
endef

release: deps web
	$(call configure,$(RELEASE_DIR),-DCMAKE_BUILD_TYPE=Release)
	cmake --build $(RELEASE_DIR) -j $(JOBS)

# The web UI (Vue 3 + Vite) into web/dist, rebuilt when its sources change.
WEB_SOURCES := $(shell find web/src web/public -type f 2>/dev/null) web/index.html \
               web/package.json web/package-lock.json web/vite.config.ts web/tsconfig.json
web: deps web/dist/index.html
web/dist/index.html: $(WEB_SOURCES)
	cd web && npm run build --silent

# Builds Release, creates var/kefu.db with demo data on first start, and starts kefu.
run: release
	@scripts/run-demo $(KEFU)

# Every test: unit tests and the storage conformance suite on SQLite and on a throwaway
# PostgreSQL 15 server that scripts/with-postgres starts and always stops.
test: release
	@scripts/with-postgres ctest --test-dir $(RELEASE_DIR) --output-on-failure -j $(JOBS) --timeout 600

bench: release
	@for b in $(RELEASE_DIR)/bench/*_bench; do echo "== $$b"; $$b || exit 1; done

debug: deps web
	$(call configure,$(DEBUG_DIR),-DCMAKE_BUILD_TYPE=Debug)
	cmake --build $(DEBUG_DIR) -j $(JOBS)

# Address and undefined-behaviour sanitizers over the whole test suite.
asan: deps web
	$(call configure,$(ASAN_DIR),-DCMAKE_BUILD_TYPE=Debug -DKEFU_SANITIZE=ON -DKEFU_BUILD_BENCH=OFF)
	cmake --build $(ASAN_DIR) -j $(JOBS)
	@scripts/with-postgres ctest --test-dir $(ASAN_DIR) --output-on-failure -j $(JOBS) --timeout 900

format:
	@git ls-files '*.cc' '*.h' | xargs clang-format -i

clean:
	rm -rf build
