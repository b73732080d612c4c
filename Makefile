# `make chat` and `make test` work on a fresh machine with Python 3.11+: each builds .venv first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
ARGS ?=

.PHONY: install chat test lint typecheck unit evals bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# A plain (non-editable) install, so what runs is what the wheel ships.
install: $(BIN)/python
	$(BIN)/pip install -q ".[dev]"
	$(BIN)/pip install -q --no-deps --force-reinstall .

chat: install
	$(BIN)/followup chat $(ARGS)

lint: install
	$(BIN)/ruff check agent tests scripts
	$(BIN)/ruff format --check agent tests scripts

typecheck: install
	$(BIN)/mypy agent

unit: install
	$(BIN)/pytest -q

evals: install
	$(BIN)/followup eval evals
	$(BIN)/followup eval evals/corpus

test: lint typecheck unit evals

bench: install
	$(BIN)/python scripts/bench_grader.py

clean:
	rm -rf $(VENV) build dist .mypy_cache .ruff_cache .pytest_cache
