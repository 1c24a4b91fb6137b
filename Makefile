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
# `make run` adds a small synthetic population for the demo pack, once (--if-empty). Its staff
# (e.g. youth-justice-officer.1) sign in with the password `demo`, which `safehold demo` accepts
# only because this is DEBUG.
DEMO_PEOPLE ?= 300
HOST ?= 127.0.0.1:8000
# The browser tests (tests/browser) drive Debian's Chromium; `.ci/run` installs it.
CHROMIUM ?= $(or $(SAFEHOLD_CHROMIUM),/usr/bin/chromium)

.PHONY: setup run test lint pytest migrate demo clean chromium

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

# --living adds what a service running for years holds (records due for disposal, legal holds,
# a break-glass use); the retention plan then dates every unit, so the DPO's pages have work.
demo: migrate
	for pack in packs/*.yaml; do SAFEHOLD_DEBUG=1 $(BIN)/safehold pack load "$$pack"; done
	SAFEHOLD_DEBUG=1 $(BIN)/safehold demo --people $(DEMO_PEOPLE) --pack $(basename $(notdir $(DEMO_PACK))) --if-empty --password demo --living
	SAFEHOLD_DEBUG=1 $(BIN)/safehold retention plan

run: demo
	@echo
	@echo "Safehold is at http://$(HOST)/ (public privacy notices at http://$(HOST)/privacy/)."
	@echo "Sign in at http://$(HOST)/sign-in/ as one of these, with the password: demo"
	@echo "(the first sign-in sets up an authenticator app: any TOTP app will do)."
	@SAFEHOLD_DEBUG=1 $(BIN)/safehold staff --pack $(basename $(notdir $(DEMO_PACK))) --per-role 2
	@echo
	SAFEHOLD_DEBUG=1 $(BIN)/safehold runserver $(HOST)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy safehold

pytest: setup chromium
	$(BIN)/pytest $(PYTEST_ARGS)

# Fail loudly rather than let the browser tests go untested.
chromium:
	@test -x "$(CHROMIUM)" || { echo "make: the browser tests need Chromium at $(CHROMIUM):" \
	  "install it (sudo apt-get install chromium) or set SAFEHOLD_CHROMIUM." >&2; exit 1; }

test: lint pytest

clean:
	rm -rf $(VENV) node_modules safehold/static var
