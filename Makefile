# The one developer and operator interface. Everything installs into .venv; nothing but Python 3.11+ is
# needed to run and test the bot. `make run` and the operator targets install the runtime only (the
# project and its `local` extra); `make test`, `make lint` and `make format` add the dev toolchain.
# Deploying also needs the AWS CLI v2 and the SAM CLI (docs/operations.md).
PYTHON  ?= python3
VENV    ?= .venv
BIN     := $(VENV)/bin
RUNTIME := $(VENV)/.installed-runtime
DEV     := $(VENV)/.installed-dev
PIP     := $(BIN)/python -m pip install --quiet --disable-pip-version-check
WORKERS ?= auto
FN      ?= webhook
EVENT   ?=
# AWS: make deploy STAGE=staging|production (stack, region and parameters come from samconfig.toml)
STAGE   ?= staging
REGION  ?= $(or $(AWS_REGION),$(AWS_DEFAULT_REGION))
SAM     ?= sam
AWS     ?= aws
PARAMS  ?=
GIT_SHA ?= $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)$(if $(shell git status --porcelain 2>/dev/null | head -1),-dirty,)
DEPLOY_DIR    := .aws-sam/$(STAGE)
# pip for the layer; with a Python 3.12 the layer also ships byte-compiled files (faster cold starts)
LAYER_PYTHON  ?= $(abspath $(BIN)/python)
REHEARSAL_DIR ?= .local/rehearsal
LOCK_TOOLS    ?= .local/lock-tools

.DEFAULT_GOAL := help
.PHONY: help install run test lint format migrate migrate-local set-webhook invoke bench catalog clean \
	lock layer rehearse deploy build sam-deploy deploy-migrate deploy-set-webhook smoke

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

# --- installs -------------------------------------------------------------------------------------

define CHECK_PYTHON
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is needed, found " + sys.version.split()[0])'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
endef

$(RUNTIME): pyproject.toml shared/requirements.txt
	$(CHECK_PYTHON)
	$(PIP) -e '.[local]'
	@touch $(RUNTIME)

$(DEV): pyproject.toml shared/requirements.txt
	$(CHECK_PYTHON)
	$(PIP) -e '.[dev]'
	@touch $(DEV) $(RUNTIME)

install: $(DEV) ## create .venv and install the project with its dev tools

# --- developing -----------------------------------------------------------------------------------

run: $(RUNTIME) ## start the whole bot locally (embedded PostgreSQL, SQS, Telegram emulator, fake KIE)
	$(BIN)/python -m infra.local

test: lint ## lint, type-check and run every test
	$(BIN)/python -m pytest -n $(WORKERS)

lint: $(DEV) ## ruff (lint + format check) and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy shared/creativebot functions infra tests bench

format: $(DEV) ## apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

invoke: $(RUNTIME) ## call a handler in-process: make invoke FN=webhook EVENT=infra/events/http_api_webhook_start.json
	$(BIN)/python -m infra.invoke $(FN) $(EVENT)

bench: $(RUNTIME) ## print the benchmark figures (wallet throughput, import cost)
	POWERTOOLS_LOG_LEVEL=WARNING $(BIN)/python -m bench

catalog: $(RUNTIME) ## rebuild the model catalog from ../shared/kie/models.json
	$(BIN)/python -m infra.catalog

clean: ## remove the virtualenv, caches, build output and local data
	rm -rf $(VENV) .local .pytest_cache .mypy_cache .ruff_cache .aws-sam

# --- operating (runtime dependencies only) -------------------------------------------------------------

migrate: $(RUNTIME) ## migrate DATABASE_URL, or the database in APP_SECRETS_ID's secret (REGION=…); never .local
	$(BIN)/python -m infra.local.migrate $(if $(REGION),--region $(REGION),)

migrate-local: $(RUNTIME) ## migrate the database make run uses (DATABASE_URL, else the embedded one in .local)
	$(BIN)/python -m infra.local.migrate --local

set-webhook: $(RUNTIME) ## register PUBLIC_BASE_URL/telegram/webhook, command menus and descriptions (REGION=…, DROP=1)
	$(BIN)/python -m creativebot.telegram.set_webhook $(if $(REGION),--region $(REGION),) \
		$(if $(DROP),--drop-pending-updates,)

# --- the Lambda layer ----------------------------------------------------------------------------------

lock: ## re-resolve shared/requirements.txt into shared/requirements.lock (exact versions and hashes)
	@test -x $(LOCK_TOOLS)/bin/uv || { $(PYTHON) -m venv $(LOCK_TOOLS) && \
		$(LOCK_TOOLS)/bin/python -m pip install --quiet --disable-pip-version-check 'uv>=0.13,<1'; }
	$(LOCK_TOOLS)/bin/uv pip compile shared/requirements.txt --generate-hashes --quiet \
		--python-version 3.12 --python-platform aarch64-manylinux_2_34 --custom-compile-command 'make lock' \
		$(if $(UPGRADE),--upgrade,) -o shared/requirements.lock

layer: $(RUNTIME) ## build the python3.12/arm64 layer from the lock file into .aws-sam/layer and measure it
	rm -rf .aws-sam/layer
	$(MAKE) -C shared build-SharedLayer ARTIFACTS_DIR=$(abspath .aws-sam/layer) PYTHON=$(LAYER_PYTHON)
	@$(BIN)/python -m tests.infra.rehearse --size-only --cache-tag cpython-312 .aws-sam/layer/python

rehearse: $(RUNTIME) ## build the layer for this machine and run every function from it alone, offline
	rm -rf $(REHEARSAL_DIR)/layer
	$(MAKE) -C shared build-SharedLayer ARTIFACTS_DIR=$(abspath $(REHEARSAL_DIR)/layer) LAYER_TARGET=host \
		PYTHON=$(abspath $(BIN)/python)
	$(BIN)/python -m tests.infra.rehearse $(REHEARSAL_DIR)/layer/python

# --- deploying: make deploy STAGE=staging|production ------------------------------------------------------
# One pass on a new account: build, deploy, migrate through the cron function, register the webhook and
# the bot's profile, then check GET /health and that GET /version shows this commit.

# samconfig.toml's value of one deploy setting for $(STAGE) (lists joined by spaces).
define SAMCONFIG_PY
import sys, tomllib
with open("samconfig.toml", "rb") as f:
    stages = tomllib.load(f)
if sys.argv[1] not in stages:
    sys.exit(f"samconfig.toml has no [{sys.argv[1]}.deploy.parameters]; STAGE is staging or production")
value = stages[sys.argv[1]].get("deploy", {}).get("parameters", {}).get(sys.argv[2], "")
print(" ".join(value) if isinstance(value, list) else value)
endef

# GET /health must say ok and GET /version must show the deployed commit (retried: a new version warms up).
define SMOKE_PY
import json, sys, time, urllib.request
base, sha = sys.argv[1], sys.argv[2]
def get(path):
    with urllib.request.urlopen(base + path, timeout=15) as response:
        return json.load(response)
for attempt in range(10):
    try:
        health, version = get("/health"), get("/version")
    except OSError as exc:
        problem = f"{type(exc).__name__}: {exc}"
    else:
        if health.get("status") == "ok" and version.get("git_sha") == sha:
            print(f"smoke: {base} healthy, version {version.get('version')} at {sha}")
            sys.exit(0)
        problem = f"health={health} version={version}"
    time.sleep(3)
sys.exit(f"smoke failed for {base}: {problem}")
endef
export SMOKE_PY

# sam looks for samconfig.toml beside the template it is given, which for deploy is the built one
SAMCONFIG    := $(abspath samconfig.toml)
samconfig    = $(shell $(PYTHON) -c '$(SAMCONFIG_PY)' $(STAGE) $(1))
STACK_NAME   = $(call samconfig,stack_name)
# REGION given to make (or exported) wins; otherwise samconfig's region, then AWS_REGION.
STACK_REGION = $(if $(filter file,$(origin REGION)),$(or $(call samconfig,region),$(REGION)),$(REGION))
# The stack's output $(1), read when the recipe runs.
output = $$($(AWS) cloudformation describe-stacks --region $(STACK_REGION) --stack-name $(STACK_NAME) \
	--query "Stacks[0].Outputs[?OutputKey=='$(1)'].OutputValue" --output text)

define CHECK_STAGE
	@test -n "$(STACK_NAME)" || { echo "no stack_name for STAGE=$(STAGE) in samconfig.toml" >&2; exit 2; }
endef

deploy: ## build, deploy, migrate, set-webhook and smoke-test one stage: make deploy STAGE=staging
	$(CHECK_STAGE)
	@command -v $(SAM) >/dev/null || { echo "the SAM CLI is needed (docs/operations.md)" >&2; exit 2; }
	@command -v $(AWS) >/dev/null || { echo "the AWS CLI v2 is needed (docs/operations.md)" >&2; exit 2; }
	$(MAKE) --no-print-directory build
	$(MAKE) --no-print-directory sam-deploy
	$(MAKE) --no-print-directory deploy-migrate
	$(MAKE) --no-print-directory deploy-set-webhook
	$(MAKE) --no-print-directory smoke

build: $(RUNTIME) ## sam build for STAGE (LAYER_PYTHON=python3.12 also byte-compiles the layer)
	$(CHECK_STAGE)
	PYTHON=$(LAYER_PYTHON) $(SAM) build --config-file $(SAMCONFIG) --config-env $(STAGE) --build-dir $(DEPLOY_DIR)

sam-deploy: ## sam deploy for STAGE with samconfig's parameters, GitSha and PARAMS
	$(CHECK_STAGE)
	$(SAM) deploy --config-file $(SAMCONFIG) --config-env $(STAGE) --template-file $(DEPLOY_DIR)/template.yaml \
		--region $(STACK_REGION) \
		--parameter-overrides $(call samconfig,parameter_overrides) GitSha=$(GIT_SHA) $(PARAMS)

deploy-migrate: ## apply migrations through the deployed cron function (it reaches the database)
	$(CHECK_STAGE)
	@mkdir -p $(DEPLOY_DIR)
	@cron=$(call output,CronFunctionName); test -n "$$cron" || { echo "no CronFunctionName output" >&2; exit 1; }; \
	echo "migrating through $$cron"; \
	error=$$($(AWS) lambda invoke --region $(STACK_REGION) --cli-read-timeout 150 --function-name "$$cron" \
		--cli-binary-format raw-in-base64-out --payload '{"task": "migrate"}' \
		--query FunctionError --output text $(DEPLOY_DIR)/migrate.json) || exit 1; \
	cat $(DEPLOY_DIR)/migrate.json; echo; \
	if [ "$$error" != "None" ] || ! grep -q '"status": *"ok"' $(DEPLOY_DIR)/migrate.json; then \
		echo "migration failed ($$error); see the cron function's log group" >&2; exit 1; fi

deploy-set-webhook: $(RUNTIME) ## register the deployed webhook URL, menus and descriptions (token from the secret)
	$(CHECK_STAGE)
	@base=$(call output,PublicBaseUrl); secret=$(call output,AppSecretsId); \
	test -n "$$base" && test -n "$$secret" || { echo "stack outputs missing" >&2; exit 1; }; \
	env -u TELEGRAM_BOT_TOKEN -u TELEGRAM_WEBHOOK_SECRET -u TELEGRAM_API_BASE \
		PUBLIC_BASE_URL="$$base" APP_SECRETS_ID="$$secret" \
		$(BIN)/python -m creativebot.telegram.set_webhook --region $(STACK_REGION) $(if $(DROP),--drop-pending-updates,)

smoke: $(RUNTIME) ## GET /health and GET /version (must show GIT_SHA) on the deployed stage
	$(CHECK_STAGE)
	@base=$(call output,PublicBaseUrl); test -n "$$base" || { echo "no PublicBaseUrl output" >&2; exit 1; }; \
	$(BIN)/python -c "$$SMOKE_PY" "$$base" "$(GIT_SHA)"
