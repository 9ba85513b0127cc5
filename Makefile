# Everything a fresh machine with Rust and Python 3 needs: `make demo`, `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
STAMP := $(VENV)/.installed
export VIRTUAL_ENV := $(CURDIR)/$(VENV)
export PATH := $(BIN):$(PATH)

.PHONY: all venv build demo test test-rust test-python typecheck lint deny fuzz fmt bench bench-rust clean \
	wheels test-cross cross-deps

all: test

# The virtual environment with pinned tools (maturin, pytest, numpy, scipy, mypy, ...).
$(STAMP): requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

venv: $(STAMP)

# The release extension (LTO), installed into .venv in editable mode.
build: $(STAMP)
	$(BIN)/maturin develop --release --quiet

demo: build
	$(BIN)/python examples/csi300_scan.py

test-rust:
	cargo test --quiet
	cargo fmt --check
	python3 tools/check_layers.py
	cargo clippy --quiet --all-targets -- -D warnings
	cargo clippy --quiet --all-targets --features python -- -D warnings

test-python: build
	$(BIN)/python -m pytest -q

typecheck: build
	$(BIN)/python -m mypy --strict examples/user_code.py
	$(BIN)/python -m mypy.stubtest pricer_rs

test: build test-rust test-python typecheck

lint: test-rust typecheck deny

# Licences, bans and sources of every dependency; advisories too when the RustSec database
# (on GitHub) can be fetched from this machine.
deny:
	command -v cargo-deny >/dev/null || cargo install --locked cargo-deny
	cargo deny check licenses bans sources
	if cargo deny fetch db >/dev/null 2>&1; then cargo deny check advisories; \
	else echo "cargo deny: the RustSec advisory database is unreachable here; advisories not checked"; fi

# The kernels' property tests, long: `make test` runs them with 256 cases each.
fuzz:
	PROPTEST_CASES=$${PROPTEST_CASES:-2000000} cargo test --release proptests

fmt:
	cargo fmt

# The price kernel alone per width against the naive closed form (tools/kernel_ns.rs), ratios
# against numpy/scipy, numba, the memory floor and iv-engine, timed in one run, and the SVI
# batch against scipy (benches/svi_bench.py); exits non-zero while a target is missed.
bench: build
	$(BIN)/python -m pip install --quiet -r requirements-bench.txt
	mkdir -p target/bench
	cargo run --quiet --release --example kernel_ns > target/bench/kernel_ns.txt
	cat target/bench/kernel_ns.txt
	status=0; $(BIN)/python benches/compare.py --kernel-ns target/bench/kernel_ns.txt || status=1; \
	$(BIN)/python benches/svi_bench.py || status=1; exit $$status

# Criterion benchmarks of the Rust kernels alone.
bench-rust:
	cargo bench --bench kernels

# --- Release artefacts and other platforms (issue 24) ---------------------------------------
# Builds for other targets (wheels, aarch64, Windows, macOS) go to target/cross, away from the
# native build of `make test`, unless CARGO_TARGET_DIR names another directory.
CROSS_DIR := $(or $(CARGO_TARGET_DIR),$(CURDIR)/target/cross)
RELEASE_STAMP := $(VENV)/.release-installed
RUSTUP_ADD = if command -v rustup >/dev/null; then rustup target add $(1); \
	else echo "no rustup: the standard libraries of $(1) must already be installed"; fi

$(RELEASE_STAMP): requirements-release.txt $(STAMP)
	$(BIN)/python -m pip install --quiet -r requirements-release.txt
	touch $(RELEASE_STAMP)

# abi3 wheels for manylinux2014 (glibc 2.17) x86_64 and aarch64, linked by zig (the ziglang
# package) so no container or cross gcc is needed, plus the sdist, into dist/; then
# tools/check_wheels.py checks tags and GLIBC symbol versions (auditwheel show, readelf),
# installs the x86_64 wheel into a fresh venv without Rust and runs tools/release_smoke.py
# from it, and builds and installs the sdist into another fresh venv and runs it again.
wheels: $(RELEASE_STAMP)
	$(call RUSTUP_ADD,x86_64-unknown-linux-gnu aarch64-unknown-linux-gnu)
	rm -rf dist
	for target in x86_64-unknown-linux-gnu aarch64-unknown-linux-gnu; do \
		CARGO_TARGET_DIR=$(CROSS_DIR) $(BIN)/maturin build --release --quiet --zig \
			--target $$target --compatibility manylinux2014 --out dist || exit 1; \
	done
	$(BIN)/maturin sdist --out dist
	CARGO_TARGET_DIR=$(CROSS_DIR) $(BIN)/python tools/check_wheels.py dist

# What test-cross needs from Debian: qemu's user-mode emulator and an aarch64 linker and libc.
CROSS_DEBS := qemu-user gcc-aarch64-linux-gnu libc6-dev-arm64-cross
cross-deps:
	@missing=""; for p in $(CROSS_DEBS); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi; \
		echo "installing$$missing"; \
		$$sudo apt-get update -qq && \
		$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null || exit 1; \
	fi
	@$(call RUSTUP_ADD,aarch64-unknown-linux-gnu x86_64-pc-windows-msvc x86_64-apple-darwin aarch64-apple-darwin)

CROSS_ENV := CARGO_TARGET_DIR=$(CROSS_DIR) \
	CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc \
	CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER="qemu-aarch64 -L /usr/aarch64-linux-gnu" \
	PYO3_CROSS_PYTHON_VERSION=3.10
REFERENCE_CSV := $(CURDIR)/../shared/reference/bsm_reference.csv

# aarch64: the core's whole test suite (reference values, proptests at their 256 cases,
# bit-identity tests; arrays run the two-lane NEON kernels there) under qemu, clippy with and without the bindings, and the bits of every
# kernel output on 23,000 contracts compared with this machine's (tools/kernel_digest.rs).
# Windows and macOS: clippy -D warnings of the library, with and without the bindings
# (compiled, not linked: their test and bench targets need criterion's C code, for which
# there is no cross compiler here).
test-cross: cross-deps
	$(CROSS_ENV) cargo test --quiet --target aarch64-unknown-linux-gnu
	$(CROSS_ENV) cargo clippy --quiet --target aarch64-unknown-linux-gnu --all-targets -- -D warnings
	$(CROSS_ENV) cargo clippy --quiet --target aarch64-unknown-linux-gnu --all-targets --features python -- -D warnings
	mkdir -p $(CROSS_DIR)
	$(CROSS_ENV) cargo run --quiet --example kernel_digest -- $(REFERENCE_CSV) > $(CROSS_DIR)/digest-native.txt
	$(CROSS_ENV) cargo run --quiet --target aarch64-unknown-linux-gnu --example kernel_digest -- \
		$(REFERENCE_CSV) > $(CROSS_DIR)/digest-aarch64.txt
	cmp $(CROSS_DIR)/digest-native.txt $(CROSS_DIR)/digest-aarch64.txt
	@echo "aarch64 gives the same bits as $$(uname -m) for every kernel output ($$(wc -l < $(CROSS_DIR)/digest-native.txt) contracts)"
	# the two-lane NEON kernels (what arrays run on aarch64) against the scalar code on the same
	# emulator: time (a ratio), and instructions executed per contract (what the CPU is asked)
	$(CROSS_ENV) cargo run --quiet --release --target aarch64-unknown-linux-gnu --example lane_ratio
	python3 tools/lane_count.py "qemu-aarch64 -L /usr/aarch64-linux-gnu" \
		$(CROSS_DIR)/aarch64-unknown-linux-gnu/release/examples/lane_ratio
	for target in x86_64-pc-windows-msvc x86_64-apple-darwin aarch64-apple-darwin; do \
		$(CROSS_ENV) cargo clippy --quiet --target $$target -- -D warnings || exit 1; \
		$(CROSS_ENV) cargo clippy --quiet --target $$target --features python -- -D warnings || exit 1; \
	done

clean:
	cargo clean
	rm -rf $(VENV) python/pricer_rs/*.so .pytest_cache .mypy_cache dist
