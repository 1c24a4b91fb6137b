# Safehold: `make run` to try it, `make test` to prove it. Both set everything up first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export PATH := $(CURDIR)/$(BIN):$(PATH)

PY_STAMP := $(VENV)/.installed
# Every Python dependency is pinned with its hashes in requirements/*.txt (`make lock` writes
# them from pyproject.toml); `make setup` installs exactly those, then the project with no deps.
LOCK := requirements/dev.txt
UV := $(BIN)/uv
UV_COMPILE = $(UV) pip compile --quiet --generate-hashes --universal --python-version 3.11 \
  --custom-compile-command "make lock" $(if $(UPGRADE),--upgrade) pyproject.toml requirements/build.in
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

.PHONY: setup lock run test lint pytest migrate demo clean chromium

setup: $(PY_STAMP) $(STATIC_STAMP)

$(PY_STAMP): $(LOCK) pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	@# A dependency added to pyproject.toml but not yet locked shows up here, not at run time.
	@$(BIN)/pip check >/dev/null || { $(BIN)/pip check; echo "make: $(LOCK) does not satisfy" \
	  "pyproject.toml: run make lock" >&2; exit 1; }
	touch $@

# Keeps every pin that still fits pyproject.toml and resolves what changed;
# `make lock UPGRADE=1` moves everything to the newest versions allowed.
lock: $(UV)
	$(UV_COMPILE) -o requirements/main.txt
	$(UV_COMPILE) --extra dev -c requirements/main.txt -o requirements/dev.txt
	$(UV_COMPILE) --extra dev --extra bench -c requirements/dev.txt -o requirements/bench.txt

# uv itself comes from the lock, hash-checked, so `make lock` works before `make setup`.
$(UV):
	test -x $(BIN)/pip || $(PYTHON) -m venv $(VENV)
	awk '/^uv==/ {p=1} p {print} p && !/\\$$/ {exit}' $(LOCK) > $(VENV)/uv-lock.txt
	$(BIN)/pip install --quiet --require-hashes --no-deps -r $(VENV)/uv-lock.txt

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(STATIC_STAMP): $(NPM_STAMP) frontend/build.mjs frontend/favicon.svg $(wildcard frontend/scss/*.scss)
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
