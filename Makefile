# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-run
STAMP_TEST := $(VENV)/.installed-test

.PHONY: run demo test test-deps chaos bench docs lint check clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP_RUN): setup.cfg setup.py pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(STAMP_TEST): setup.cfg setup.py pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,bench,lint]'
	touch $@ $(STAMP_RUN)

run: $(STAMP_RUN)
	$(BIN)/complaint-hub serve

# The Hangzhou model live: a Double-11 night on the embedded database, then /ops and /reports.
demo: $(STAMP_RUN)
	$(BIN)/complaint-hub demo --linger $(DEMO_ARGS)

# The system tools some tests drive (chromium, promtool, nginx, kubectl, systemd-analyze, node),
# installed with apt where missing when run as root; without them those tests skip, named.
test-deps:
	@sh scripts/test-deps

test: $(STAMP_TEST) test-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The fault-injection suite alone (make test runs it too), printing its counts.
chaos: $(STAMP_TEST)
	$(BIN)/python -m pytest -q tests/chaos $(PYTEST_ARGS)

# Every benchmark, each figure beside its same-run baseline, collected into bench/results.md.
BENCH_RESULTS ?= var/bench-results.jsonl
bench: export BENCH_RESULTS := $(abspath $(BENCH_RESULTS))
bench: $(STAMP_TEST)
	mkdir -p $(dir $(BENCH_RESULTS)) && rm -f $(BENCH_RESULTS)
	$(BIN)/python bench/push.py --events 6000 --concurrency 64
	$(BIN)/python bench/push.py --events 8000 --concurrency 256 --no-baseline
	$(BIN)/python bench/push.py --rate 300 --seconds 15
	$(BIN)/python bench/push.py --rate 600 --seconds 15
	$(BIN)/python bench/push.py --rate 1000 --seconds 15
	$(BIN)/python bench/push.py --rate 2000 --seconds 60 --no-baseline
	$(BIN)/python bench/push.py --soak 600 --rate 1300
	$(BIN)/python bench/batches.py
	$(BIN)/python bench/rollup.py
	$(BIN)/python bench/append.py
	$(BIN)/python bench/audit.py
	$(BIN)/python bench/verify.py
	$(BIN)/python bench/adapters.py
	$(BIN)/python bench/feeds.py --direct
	$(BIN)/python bench/webhooks.py --rate 200 --seconds 5
	$(BIN)/python bench/stats.py
	$(BIN)/python bench/chain_read.py
	$(BIN)/python bench/sse_idle.py --requests 200
	$(BIN)/python bench/report.py $(BENCH_RESULTS)

# The generated docs: the API reference from the OpenAPI document, the signing test vectors.
docs: $(STAMP_RUN)
	$(BIN)/python docs/tools/render_api.py
	$(BIN)/python examples/signing/make_vectors.py

lint: $(STAMP_TEST)
	$(BIN)/ruff check hub adapters tests bench
	$(BIN)/ruff format --check hub adapters tests bench
	$(BIN)/mypy --strict hub adapters

# What CI runs: the tests, then the lint.
check: test lint

clean:
	rm -rf $(VENV) var .pytest_cache
