# Two commands matter: `make dev` (set up and run the app) and `make test` (set up and pass every
# test). Everything else is a step they use.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
# Django 6 needs Python 3.12+. Prefer a real python3.12/3.13 on PATH, else pyenv's install.
PYTHON ?= $(firstword \
  $(foreach c,python3.12 python3.13,$(shell $(c) -c 'import sys; print(sys.executable)' 2>/dev/null)) \
  $(wildcard $(HOME)/.pyenv/versions/3.12*/bin/python3.12) \
  $(wildcard $(HOME)/.pyenv/versions/3.13*/bin/python3.13))

.PHONY: help install frontend dev test test-fast lint fmt bench migrations-check clean api-types

help:
	@echo "make dev    - install everything, migrate, build the frontend, run the app"
	@echo "make test   - install everything and run the whole test suite (PostgreSQL + Redis)"
	@echo "make lint   - ruff (lint + format check) and mypy"
	@echo "make bench  - run the benchmarks and print their figures"
	@echo "make api-types - regenerate the admin API schema and its TypeScript types"

# Python dependencies, pinned with hashes in requirements-dev.lock (uv pip compile).
$(VENV)/.installed: requirements-dev.lock
	@test -n "$(PYTHON)" || { echo "make: Python 3.12 or 3.13 not found (set PYTHON=/path/to/python3.12)"; exit 1; }
	@command -v uv >/dev/null 2>&1 || python3 -m pip install -q uv
	uv venv -q --allow-existing --python "$(PYTHON)" $(VENV)
	uv pip sync -q --python $(PY) requirements-dev.lock
	@touch $@

install: $(VENV)/.installed

frontend/node_modules/.installed: frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# Shopify's own JS library, used by the tests to cross-check our signatures and tokens.
tests/crosscheck/node_modules/.installed: tests/crosscheck/package.json tests/crosscheck/package-lock.json
	cd tests/crosscheck && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

frontend: frontend/node_modules/.installed
	cd frontend && npm run --silent build
	extensions/copy-launcher.sh

dev: install frontend
	$(PY) -m config.dev

test: install frontend tests/crosscheck/node_modules/.installed
	$(PY) -m config.preflight
	$(PY) manage.py makemigrations --check --dry-run --settings=config.settings.test
	cd frontend && npm run --silent typecheck && npm test --silent && npm run --silent theme-check
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .

# The admin API's contract and the admin's TypeScript types generated from it. Run after changing
# an /api/admin/* view or serializer, and commit both files; tests/loyalty/api/test_api_types.py
# fails when they drift from the code.
API_SCHEMA := frontend/admin/openapi.json
api-types:
	$(PY) manage.py spectacular --format openapi-json --file $(API_SCHEMA)
	cd frontend && npm run --silent api-types

fmt: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: install frontend tests/crosscheck/node_modules/.installed
	$(PY) -m config.preflight
	$(PY) -m bench

clean:
	rm -rf $(VENV) frontend/node_modules frontend/dist tests/crosscheck/node_modules staticfiles
