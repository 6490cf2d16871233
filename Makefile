# Cart Admin: `make run` serves the app, `make test` runs every test. Both set up what they need.
SHELL := /bin/bash
.DEFAULT_GOAL := help
.PHONY: help setup db run test test-fast chaos lint format demo worker lock clean

PORT ?= 3000
WITH_ENV := source scripts/env.sh &&

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

setup: ## venv + pinned requirements, Node >= 22.22 and bun (npm registry) when the machine's are older
	@scripts/setup.sh

db: setup ## migrate the database (DATABASE_URL) and create the demo merchant if it is empty
	@$(WITH_ENV) alembic upgrade head
	@$(WITH_ENV) python -m cart_admin.demo seed

run: db ## serve admin pages, API and embed on http://localhost:$(PORT)
	@$(WITH_ENV) reflex run --env prod --frontend-port $(PORT)

worker: db ## run the background ticks in their own process (use with SCHEDULER=off on web processes)
	@$(WITH_ENV) python -m cart_admin.worker

demo: setup ## wipe the database and recreate the demo merchant
	@$(WITH_ENV) alembic upgrade head
	@$(WITH_ENV) python -m cart_admin.demo reset

lint: setup ## ruff lint and format check, mypy
	@$(WITH_ENV) ruff check . && ruff format --check . && mypy

format: setup ## apply ruff's formatting and safe fixes
	@$(WITH_ENV) ruff check --fix . && ruff format .

test: ## the whole suite: lint, unit, API, migrations (SQLite + TEST_DATABASE_URL), browser
	@scripts/setup.sh --browser
	@$(MAKE) --no-print-directory lint
	@$(WITH_ENV) pytest $(PYTEST_ARGS)

test-fast: setup ## everything but the browser tests
	@$(WITH_ENV) pytest -m "not browser" $(PYTEST_ARGS)

chaos: setup ## the full chaos test: 10,000 e-mails, workers SIGKILLed (needs TEST_DATABASE_URL)
	@$(WITH_ENV) CHAOS_ROWS=10000 pytest -s tests/worker/test_chaos.py $(PYTEST_ARGS)

lock: setup ## re-pin requirements.txt from requirements.in
	@$(WITH_ENV) pip install -q -r requirements.in && \
	  { echo "# Pinned: regenerate with 'make lock' after changing requirements.in."; pip freeze --exclude-editable; } > requirements.txt

clean: ## remove build output (keeps the database)
	rm -rf .web .states .pytest_cache .ruff_cache
