# `make run` and `make test` are all a fresh machine needs: each creates .venv when missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# What is installed, one stamp each: `run` needs the runtime dependencies only, the rest the dev tools.
RUNTIME := $(VENV)/.installed-runtime
DEV := $(VENV)/.installed-dev
# Test processes: each test boots its own cluster on free ports, so they run side by side. Three on
# two cores: much of a test is waiting (timeouts, restarts, TTLs), and two left the cores a third idle
# (9 min of tests on two, 7 min 36 s on three, on this 2-core machine).
TEST_WORKERS ?= 3

.PHONY: run test lint bench bench-matching bench-advisor procfile clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(RUNTIME): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

# The dev install holds the runtime one too.
$(DEV): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(RUNTIME)

run: $(RUNTIME)
	$(BIN)/souk run

test: $(DEV) lint
	$(BIN)/python -m pytest -q -p no:cacheprovider -n $(TEST_WORKERS) --dist loadgroup

lint: $(DEV)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

bench: $(RUNTIME)
	$(BIN)/python bench/bus_roundtrip.py

# The matching engine's quicker cases (a few minutes): MATCHING.md's uncapped optima, cap 6 and 100
# listing changes, then FreeMarket-shaped pools. `bench/matching.py` alone runs every case (caps 8 and
# 10 take two minutes each).
bench-matching: $(RUNTIME)
	$(BIN)/python bench/matching.py --case uncapped --case medium-cap6 --case changes
	$(BIN)/python bench/matching_pool.py --users 100 --users 1000 --changes 50

# The car advisor under 50 concurrent conversations: from posting a message to the first streamed chunk.
bench-advisor: $(RUNTIME)
	$(BIN)/python bench/advisor_first_chunk.py --conversations 50 --rounds 3

# honcho is a dev tool.
procfile: $(DEV)
	# honcho exits 130 after a Ctrl-C even when every process stopped cleanly: that is no error.
	$(BIN)/honcho start || test $$? -eq 130

clean:
	rm -rf $(VENV) var .mypy_cache .pytest_cache
