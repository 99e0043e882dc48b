# The two commands of the quick start are `make demo` and `make test`; both bootstrap .venv first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: demo test test-fast test-slow gates lint format bench install

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/amicable demo

format: $(STAMP)
	$(BIN)/ruff format src tests bench

gates: $(STAMP)
	$(BIN)/ruff format --check src tests bench
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

test-fast: $(STAMP)
	$(BIN)/pytest -q -m "not slow" --db sqlite
	$(BIN)/pytest -q -m "not slow" --db postgres --pg-url $(PG_URL)

test-slow: $(STAMP)
	test -x /usr/bin/chromium || (apt-get update -q && apt-get install -y -q chromium)
	$(BIN)/pytest -q -m slow --db sqlite; rc=$$?; [ $$rc -eq 0 ] || [ $$rc -eq 5 ]
	$(BIN)/pytest -q -m slow --db postgres --pg-url $(PG_URL); rc=$$?; [ $$rc -eq 0 ] || [ $$rc -eq 5 ]

test: gates test-fast

bench: $(STAMP)
	$(BIN)/python -m bench --json
