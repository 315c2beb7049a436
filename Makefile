# The one developer interface. Everything installs into .venv; nothing but Python 3.11+ is needed.
PYTHON  ?= python3
VENV    ?= .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
WORKERS ?= auto
FN      ?= webhook
EVENT   ?=

.DEFAULT_GOAL := help
.PHONY: help install run test lint format migrate set-webhook invoke bench catalog clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml shared/requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is needed, found " + sys.version.split()[0])'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP) ## create .venv and install the project with its dev tools

run: $(STAMP) ## start the whole bot locally (embedded PostgreSQL, SQS, Telegram emulator, fake KIE)
	$(BIN)/python -m infra.local

test: lint ## lint, type-check and run every test
	$(BIN)/python -m pytest -n $(WORKERS)

lint: $(STAMP) ## ruff (lint + format check) and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy shared/creativebot functions infra tests bench

format: $(STAMP) ## apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrate: $(STAMP) ## apply database migrations to DATABASE_URL (or the embedded PostgreSQL in .local/)
	$(BIN)/python -m infra.local.migrate

set-webhook: $(STAMP) ## point Telegram at PUBLIC_BASE_URL/telegram/webhook (DROP=1 drops pending updates)
	$(BIN)/python -m creativebot.telegram.set_webhook $(if $(DROP),--drop-pending-updates,)

invoke: $(STAMP) ## call a handler in-process: make invoke FN=webhook EVENT=infra/events/http_api_webhook_start.json
	$(BIN)/python -m infra.invoke $(FN) $(EVENT)

bench: $(STAMP) ## print the benchmark figures (wallet throughput, import cost)
	POWERTOOLS_LOG_LEVEL=WARNING $(BIN)/python -m bench

catalog: $(STAMP) ## rebuild the model catalog from ../shared/kie/models.json
	$(BIN)/python -m infra.catalog

clean: ## remove the virtualenv, caches and local data
	rm -rf $(VENV) .local .pytest_cache .mypy_cache .ruff_cache
