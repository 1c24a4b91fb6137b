# Safehold: `make run` to try it, `make test` to prove it. Both set everything up first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export PATH := $(CURDIR)/$(BIN):$(PATH)

PY_STAMP := $(VENV)/.installed
NPM_STAMP := node_modules/.installed
STATIC_STAMP := safehold/static/css/app.css
DEMO_PACK ?= packs/cambridgeshire-yos.yaml
HOST ?= 127.0.0.1:8000

.PHONY: setup run test lint pytest migrate demo clean

setup: $(PY_STAMP) $(STATIC_STAMP)

$(PY_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(STATIC_STAMP): $(NPM_STAMP) frontend/build.mjs $(wildcard frontend/scss/*.scss)
	npm run --silent build

migrate: setup
	mkdir -p var
	SAFEHOLD_DEBUG=1 $(BIN)/safehold migrate --no-input

demo: migrate
	for pack in packs/*.yaml; do SAFEHOLD_DEBUG=1 $(BIN)/safehold pack load "$$pack"; done

run: demo
	@echo "Serving on http://$(HOST)/ (public notices at /privacy/)"
	SAFEHOLD_DEBUG=1 $(BIN)/safehold runserver $(HOST)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy safehold

pytest: setup
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint pytest

clean:
	rm -rf $(VENV) node_modules safehold/static var
