# Two commands set everything up on a fresh machine with Python 3.11 and make:
#   make run    install, migrate, import seeds/, serve on http://127.0.0.1:$(PORT)/
#   make test   install the dev requirements and run the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.DEFAULT_GOAL := help
.PHONY: help install install-dev migrate seed run test test-postgres lint bench bench-import

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed ## Create .venv and install the runtime requirements

install-dev: $(VENV)/.installed-dev ## Install the development and test requirements

migrate: install ## Create or upgrade the SQLite database
	DJANGO_DEBUG=1 $(BIN)/python manage.py migrate --noinput

seed: migrate ## Import the sample documents in seeds/
	DJANGO_DEBUG=1 $(BIN)/python manage.py import_articles seeds/

run: seed ## Install, migrate, import seeds/ and serve on http://127.0.0.1:$(PORT)/
	DJANGO_DEBUG=1 $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

bench-import: install ## Import-rate benchmark: 100,000 generated documents (COUNT=... for fewer)
	$(BIN)/python bench/import_rate.py --count $(or $(COUNT),100000)

test: install-dev ## Run the whole test suite
	DJANGO_SETTINGS_MODULE=portal.test_settings $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python -m pytest

test-postgres: install-dev ## Run the whole suite on PostgreSQL ($$DATABASE_URL, or a throwaway local server)
	.ci/with-postgres sh -c 'DJANGO_SETTINGS_MODULE=portal.test_settings $(BIN)/python manage.py makemigrations --check --dry-run && $(BIN)/python -m pytest'
