# 信访维稳工作平台 — the only two commands a user needs are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip

.PHONY: run test lint format venv venv-test system-test-deps axe-core migrate demo worker bench clean

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "需要 Python 3.11 或更高版本"'
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

$(VENV)/.installed: requirements.txt | $(VENV)/bin/python
	$(PIP) install -q -r requirements.txt
	touch $@

$(VENV)/.installed-test: requirements.txt requirements-test.txt $(VENV)/.installed
	$(PIP) install -q -r requirements-test.txt
	touch $@

venv: $(VENV)/.installed
venv-test: $(VENV)/.installed-test

## Serve on http://127.0.0.1:$(PORT) (default 8000) with gunicorn and the Huey worker.
run: venv
	bash scripts/run.sh

migrate: venv
	$(PY) manage.py migrate --noinput

demo: venv
	$(PY) manage.py load_demo

worker: venv
	$(PY) manage.py run_huey

## Install Chromium and the CJK fonts for the browser tests when missing (needs root).
system-test-deps:
	bash scripts/system_test_deps.sh

## axe-core for the accessibility browser tests, from the npm registry (pinned version and SHA-256),
## kept in the test environment and never among the static files served to users.
axe-core: venv-test
	bash scripts/axe_core.sh $(VENV)/share/axe-core

## Lint, then the whole suite: unit and API tests, then the browser tests in a process of their own
## (they drive a real server and Chromium; keeping them apart keeps one run's state out of the other).
test: venv-test system-test-deps axe-core
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(PY) manage.py makemigrations --check --dry-run --settings=config.settings.test
	$(VENV)/bin/pytest -m "not browser" -n auto --maxprocesses=4
	$(VENV)/bin/pytest -m browser

lint: venv-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: venv-test
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache

## Benchmark data: PETITIONS demo petitions (default 1,000,000) in their own SQLite file under
## BENCH_DATA_DIR (default var/bench), so `make run`'s database is not touched.
BENCH_DATA_DIR ?= var/bench
PETITIONS ?= 1000000
.PHONY: seed
seed: venv
	XINFANG_DATA_DIR=$(BENCH_DATA_DIR) $(PY) manage.py migrate --noinput
	XINFANG_DATA_DIR=$(BENCH_DATA_DIR) $(PY) manage.py seed_demo --petitions $(PETITIONS)

## Median / p95 per operation over HTTP (gunicorn, 2 workers) on the seeded database.
bench: venv
	$(PY) bench/measure.py --data-dir $(BENCH_DATA_DIR)
