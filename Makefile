# cxgov — the two commands a newcomer needs are `make run` and `make test`.
#
# Everything runs from a project-local virtual environment (.venv) built with Python 3.11.
# The environment is (re)installed only when pyproject.toml is newer than the stamp file inside it,
# so repeated `make run` / `make test` calls cost nothing for setup.

PYTHON ?= python3.11
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.cxgov-installed
HOST   ?= 127.0.0.1
PORT   ?= 8000
# Extra arguments, e.g. `make test PYTEST_ARGS="tests/tenancy -x"` or `make seed SEED_ARGS="--responses 500"`.
PYTEST_ARGS ?=
SEED_ARGS   ?=

export PIP_DISABLE_PIP_VERSION_CHECK := 1

.DEFAULT_GOAL := help
.PHONY: help install run migrate seed test lint check clean

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-9s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e ".[dev]"
	@touch $@

install: $(STAMP)  ## Create .venv (Python 3.11) and install the pinned dependencies

# var/ holds the SQLite database, uploads and collected static files; all ignored by git.
# An empty staticfiles/ keeps whitenoise from warning about a missing STATIC_ROOT.
var:
	@mkdir -p var/staticfiles

migrate: install var  ## Apply database migrations
	$(PY) manage.py migrate --noinput

seed: migrate  ## Load the demo organisation (idempotent) and print the demo logins
	$(PY) manage.py seed_demo $(SEED_ARGS)

run: seed  ## Set up, migrate, seed the demo and serve on http://127.0.0.1:8000
	@echo "Serving cxgov on http://$(HOST):$(PORT)/  (Ctrl-C to stop)"
	$(PY) manage.py runserver $(HOST):$(PORT)

# CXGOV_TESTING keeps the plain static-files storage even if DEBUG=false is exported, so templates
# render without a collectstatic manifest. Playwright's sync API runs an event loop in the test thread,
# so browser tests that touch the ORM need DJANGO_ALLOW_ASYNC_UNSAFE. pytest's exit status is make's
# (5 = no tests collected fails too).
test: install var  ## Run the whole test suite (SQLite by default; PostgreSQL/Redis via DATABASE_URL/REDIS_URL)
	CXGOV_TESTING=1 DJANGO_ALLOW_ASYNC_UNSAFE=true $(PY) -m pytest $(PYTEST_ARGS)

lint: install  ## Static checks (ruff)
	$(PY) -m ruff check .

check: install  ## Django system checks and a missing-migrations check
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

clean:  ## Remove the virtual environment, the local database and test output
	rm -rf $(VENV) var test-output .pytest_cache .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
