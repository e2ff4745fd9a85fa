# The durable airline agent. `make demo` and `make test` work on a fresh machine:
# they install what is missing (uv, the Python packages, the npm restate-server) first.

SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo python3 -m uv)
# No Python downloads: the machine's Python 3.11+ is the interpreter.
export UV_PYTHON_DOWNLOADS := never
REPLAY := RESTATE_WORKER__INVOKER__INACTIVITY_TIMEOUT=0s

.PHONY: help setup up up-cluster compose-up compose-down test-compose demo bench test test-static test-unit test-integration test-cluster test-replay test-soak soak check lint types fmt clean

help:
	@echo "make demo   set up, start the stack, run a conversation with a crash, stop"
	@echo "make up     run the stack in the foreground (Ctrl-C stops it)"
	@echo "make up-cluster  the same on a three-node restate-server cluster"
	@echo "make compose-up  the compose stack in containers (127.0.0.1:8080); make compose-down stops it"
	@echo "make test   unit tests, integration tests, and the integration tests in replay mode"
	@echo "make check  lint, types and tests"
	@echo "make bench  benchmarks: this project vs the reference design vs no durability"
	@echo "make soak   50 sessions x 10 turns while a chaos loop SIGKILLs services; prints a report"

setup: .venv/.synced node_modules/.installed

.venv/.synced: pyproject.toml uv.lock */pyproject.toml services/*/pyproject.toml libs/*/pyproject.toml
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 \
		|| python3 -m pip install --quiet "uv==0.13.9"
	$(UV) sync --frozen --all-packages
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

up: setup
	$(UV) run devstack up

# Three restate-server nodes (replication 2) instead of one; node 1 keeps :8080 and :9070.
up-cluster: setup
	$(UV) run devstack up --nodes 3

# The compose stack in real containers (Docker engine and stand-in images set up when missing):
# ingress 127.0.0.1:8080, admin and UI 127.0.0.1:9070. COMPOSE_ARGS="--scale seating=3".
compose-up: setup
	$(UV) run devstack compose-up $(COMPOSE_ARGS)

compose-down: setup
	$(UV) run devstack compose-down $(COMPOSE_ARGS)

# The same stack under test, in a project of its own on free 127.0.0.1 ports: healthy, the
# README's conversations, scaling, SIGKILLs of containers, traces, `down -v` (tests/compose).
# A failed container test gets one more attempt (pytest-rerunfailures; reported as RERUN): on a
# shared 2-core machine a container's start can outlast a window, and the trace check once
# missed a span (see compose/README.md). A test that fails twice fails the run.
test-compose: setup
	$(UV) run pytest tests/compose -v -s --timeout=1800 --durations=0 --reruns 1 --reruns-delay 10

demo: setup
	$(UV) run devstack demo

# BENCH_ARGS=--quick for a short run; BENCH_SCENARIOS=single,throughput picks scenarios,
# BENCH_VARIANTS=ours,cluster variants (cluster: three restate-server nodes). BENCH_BASELINE:
# the commit whose code also runs single and throughput, side by side (a1101a9: before the
# runtime library; none: no baseline).
BENCH_BASELINE ?= a1101a9
bench: setup
	BENCH_BASELINE=$(BENCH_BASELINE) $(UV) run python -m bench $(BENCH_ARGS)

test: setup test-static test-unit test-integration test-cluster test-replay test-soak

# The container deployment (compose/, grafana/), checked without a Docker engine.
test-static: setup
	$(UV) run pytest tests/static -q

# The runtime library's own tests run with ours: libs/durable_agents/tests (unit, and
# integration on a real restate-server with a small weather assistant, in both modes).
LIB_TESTS := libs/durable_agents/tests

test-unit: setup
	$(UV) run pytest tests/unit $(LIB_TESTS)/unit -q

test-integration: setup
	$(UV) run pytest tests/integration $(LIB_TESTS)/integration -q

# A three-node restate-server cluster: memory through any node, SIGKILL of each node; then the
# same in replay mode on the Responses API against the strict endpoint.
test-cluster: setup
	$(UV) run pytest tests/cluster -q
	$(REPLAY) TEST_LLM=responses $(UV) run pytest tests/cluster -q

# The same suite with the invoker suspending at every step, so every handler is replayed
# from its journal: non-determinism shows up here as a journal mismatch. Its agents talk the
# Responses API to the strict test endpoint (TEST_LLM, tests/conftest.py): a request the
# OpenAI API would refuse fails the test that sent it.
test-replay: setup
	$(REPLAY) TEST_LLM=responses $(UV) run pytest tests/integration $(LIB_TESTS)/integration -q

# A small soak under chaos (normal mode only): 6 sessions x 4 turns, a few SIGKILLs.
test-soak: setup
	$(UV) run pytest tests/soak -q -s

# The larger one; SOAK_ARGS adds options, e.g. SOAK_ARGS="--seed 7 --targets agent,seating".
soak: setup
	$(UV) run python -m tests.soak.soak --sessions 50 --turns 10 $(SOAK_ARGS)

check: lint types test

lint: setup
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run lint-imports

types: setup
	$(UV) run pyright

fmt: setup
	$(UV) run ruff check --fix .
	$(UV) run ruff format .

clean:
	rm -rf .stack .venv node_modules .pytest_cache .ruff_cache
