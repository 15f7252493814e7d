# Two commands set everything up on a fresh machine with Python 3.11 and make:
#   make run    install, migrate, import seeds/, serve on http://127.0.0.1:$(PORT)/
#   make test   install the dev requirements and run the whole test suite (no browser)
#   make e2e    install Chromium, Java, axe-core and vnu-jar when missing, run the browser tests
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.DEFAULT_GOAL := help
.PHONY: help install install-dev migrate seed run run-postgres test test-postgres test-api bench-expensive lint format bench bench-import bench-pages bench-search bench-admin bench-load bench-engines e2e e2e-deps

help: ## List the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | sed 's/\$$(PORT)/$(PORT)/g' | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

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

# The whole stack as on several app servers: a throwaway PostgreSQL (.ci/with-postgres) and Redis
# (.ci/with-redis) on loopback, removed when the server stops; installs what is missing with apt-get.
PG_PORT ?= 5433
REDIS_PORT ?= 6380
run-postgres: install ## Like run, on a throwaway PostgreSQL and Redis (PG_PORT, REDIS_PORT)
	@missing=""; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	command -v redis-server >/dev/null 2>&1 || missing="$$missing redis-server"; \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:$$missing"; \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	PG_TEST_PORT=$(PG_PORT) REDIS_PORT=$(REDIS_PORT) DJANGO_DEBUG=1 .ci/with-postgres .ci/with-redis sh -c '\
		$(BIN)/python manage.py migrate --noinput && \
		$(BIN)/python manage.py import_articles seeds/ && \
		$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)'

# Benchmarks: corpus and imported database are cached under bench/out/ (see bench/common.py).
# COUNT=... sets the corpus size (default: each script's own, 100000; 10000 for bench-admin).
BENCH_COUNT = $(if $(COUNT),--count $(COUNT))

bench: bench-import bench-pages bench-admin bench-load ## Run all four benchmarks below

bench-import: install-dev ## Import rate: documents/s, wall, CPU, peak memory (fresh DB; COUNT=...)
	$(BIN)/python bench/import_rate.py $(BENCH_COUNT)

bench-pages: install-dev ## Reader, article, feed and sitemap page latency under gunicorn (COUNT=...)
	$(BIN)/python bench/pages.py $(BENCH_COUNT)
	$(BIN)/python bench/detail_pages.py --count $(or $(COUNT),100000)

bench-search: install-dev ## Cold search pages on SQLite and PostgreSQL, one word and word + topic (COUNT=...)
	$(BIN)/python bench/search_pages.py $(BENCH_COUNT)

bench-admin: install-dev ## Admin changelist timings, queries, editor writes (COUNT=..., default 10000)
	$(BIN)/python bench/admin_changelist.py $(BENCH_COUNT)

bench-load: install-dev ## wrk load test (req/s, p50/p99), fault test, kill test; needs wrk (COUNT=...)
	$(BIN)/python bench/load.py $(BENCH_COUNT)

bench-expensive: install-dev ## CPU ms of the costliest requests one can craft, caches off (COUNT=...)
	$(BIN)/python bench/expensive.py $(BENCH_COUNT)

bench-engines: install-dev ## SQLite and PostgreSQL side by side: import, cold pages, cached/healthz (COUNT=...)
	@command -v wrk >/dev/null 2>&1 || { echo "Installing wrk"; $(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk; }
	$(BIN)/python bench/engines.py $(BENCH_COUNT)

lint: install-dev ## Lint and check formatting: ruff (Python), djhtml (templates)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/djhtml --check templates

format: install-dev ## Format the Python code (ruff) and the templates (djhtml)
	$(BIN)/ruff format .
	$(BIN)/djhtml templates

# No model change without its migration, then the whole suite (browser tests excepted).
SUITE = DJANGO_SETTINGS_MODULE=portal.test_settings $(BIN)/python manage.py makemigrations --check --dry-run \
	&& $(BIN)/python -m pytest

test: install-dev lint ## Lint, check migrations, run the whole test suite
	$(SUITE)

test-postgres: install-dev ## Run the whole suite on PostgreSQL ($$DATABASE_URL, or a throwaway local server)
	.ci/with-postgres sh -c '$(SUITE)'

# The JSON API fuzzed from its own OpenAPI schema (Schemathesis) against gunicorn on a temporary
# SQLite database with the seeds and a small corpus: no 5xx, every response as the schema says.
API_EXAMPLES ?= 50

test-api: install-dev ## Schemathesis against a live server: no 5xx, responses valid against /api/schema/
	$(BIN)/python tests/live_api.py --max-examples $(API_EXAMPLES)

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
