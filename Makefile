# Set-up and everyday commands. Each target installs what it needs first.
PYTHON ?= python3
VENV ?= .venv
HOST ?= 127.0.0.1
PORT ?= 8000
BIN := $(VENV)/bin

.PHONY: run test bench bench-quick install install-test install-bench services-up services-down clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/pip install --quiet -c constraints.txt -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]'
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

install-bench: $(VENV)/.installed-bench

$(VENV)/.installed-bench: $(VENV)/.installed-test
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test,bench]'
	touch $@

## run: start the service on the embedded default (SQLite under ./data, in-process delivery)
run: $(VENV)/.installed
	$(BIN)/pagos serve --host $(HOST) --port $(PORT)

## test: check the layer rules and lint, then run the whole test suite
test: $(VENV)/.installed-test
	$(BIN)/lint-imports
	$(BIN)/ruff check src tests
	$(BIN)/pytest $(PYTEST_ARGS)

## bench: full benchmarks against the local services; writes docs/benchmarks.md (about 15 minutes)
bench: $(VENV)/.installed-bench
	scripts/services up
	eval "$$(scripts/services env)" && $(BIN)/python -u -m bench

## bench-quick: the same measurements with small counts, as a smoke test; writes bench/results/quick.json
bench-quick: $(VENV)/.installed-bench
	scripts/services up
	eval "$$(scripts/services env)" && $(BIN)/python -u -m bench --quick

## services-up / services-down: local PostgreSQL, Kafka and FerretDB for the integration tests
services-up: $(VENV)/.installed-test
	scripts/services up

services-down:
	scripts/services down

clean:
	rm -rf $(VENV) data .pytest_cache
