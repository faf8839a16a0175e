# `make run` and `make test` are all a fresh machine needs: each creates .venv when missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Test processes: each test boots its own cluster on free ports, so they run side by side.
TEST_WORKERS ?= 2

.PHONY: run test lint bench procfile clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/souk run

test: $(STAMP) lint
	$(BIN)/python -m pytest -q -p no:cacheprovider -n $(TEST_WORKERS) --dist loadgroup

lint: $(STAMP)
	$(BIN)/lint-imports
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python bench/bus_roundtrip.py

procfile: $(STAMP)
	$(BIN)/honcho start

clean:
	rm -rf $(VENV) var .mypy_cache .pytest_cache
