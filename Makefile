# Everything a fresh machine with Rust and Python 3 needs: `make demo`, `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
STAMP := $(VENV)/.installed
export VIRTUAL_ENV := $(CURDIR)/$(VENV)
export PATH := $(BIN):$(PATH)

.PHONY: all venv build demo test test-rust test-python typecheck lint deny fuzz fmt bench bench-rust clean

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

# Ratios against numpy/scipy, numba, the memory floor and iv-engine, timed in one run;
# exits non-zero while a target of issue 10 is missed.
bench: build
	$(BIN)/python -m pip install --quiet -r requirements-bench.txt
	$(BIN)/python benches/compare.py

# Criterion benchmarks of the Rust kernels alone.
bench-rust:
	cargo bench --bench kernels

clean:
	cargo clean
	rm -rf $(VENV) python/pricer_rs/*.so .pytest_cache .mypy_cache
