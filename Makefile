# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
# `make run` is a local development run: say so, since the app is production unless told.
DEV := TRACKER_CONFIG=development

.PHONY: run test lint format bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e ".[test]"
	touch $@ $(VENV)/.installed

run: $(VENV)/.installed
	$(DEV) $(BIN)/flask --app tracker db upgrade
	$(DEV) $(BIN)/flask --app tracker seed-demo --if-empty
	$(DEV) $(BIN)/flask --app tracker run --host 127.0.0.1 --port $(PORT)

# One worker per core (pytest-xdist), and the 15 slowest tests printed at the end. A worker
# that runs out of tests takes some of the other's (worksteal): the browser walks take half
# a minute each, and a plain split left one core idle while the other finished them.
TEST_WORKERS ?= auto
test: $(VENV)/.installed-test
	$(BIN)/pytest -n $(TEST_WORKERS) --dist worksteal --durations=15

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(VENV)/.installed-test
	$(BIN)/python bench/decisions.py

clean:
	rm -rf $(VENV) instance/*.sqlite* .pytest_cache
