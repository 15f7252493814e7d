# Two commands set everything up on a fresh machine with Python 3.11 and make:
#   make run    install, migrate, import seeds/, serve on http://127.0.0.1:$(PORT)/
#   make test   install the dev requirements and run the whole test suite (no browser)
#   make e2e    install Chromium, Java, axe-core and vnu-jar when missing, run the browser tests
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.DEFAULT_GOAL := help
.PHONY: help install install-dev migrate seed run test test-postgres lint bench bench-import e2e e2e-deps

help: ## List the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

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

# Browser tests (tests/e2e, marker `e2e`): Debian's Chromium driven by Playwright, axe-core and the
# Nu Html Checker from npm. Test tools never download browsers here: the system packages are used.
CHROMIUM ?= /usr/bin/chromium
E2E_NODE := tests/e2e/node_modules
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

$(E2E_NODE)/.installed: tests/e2e/package.json tests/e2e/package-lock.json
	cd tests/e2e && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

e2e-deps: install-dev $(E2E_NODE)/.installed ## Install what the browser tests need (Chromium, Java, npm tools)
	@missing=""; \
	test -x $(CHROMIUM) || missing="$$missing chromium fonts-liberation"; \
	command -v java >/dev/null 2>&1 || missing="$$missing default-jre-headless"; \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:$$missing"; \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

e2e: e2e-deps ## Run the browser tests (reader and editor journeys, axe, HTML validity)
	$(BIN)/python -m pytest -m e2e tests/e2e
