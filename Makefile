# The two commands: `make run` and `make test`. Everything else supports them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
ROLE ?= officer
FORCE ?= demo
# make run's state (keys, databases, the development identity provider): the token must be signed
# by the provider the running services trust, so both read the same LOCAL_DIR (or DEVIDP_DIR)
LOCAL_DIR ?= .local
DEVIDP_DIR ?= $(LOCAL_DIR)/devidp
PG_TEST_URL ?= postgresql+asyncpg://postgres@127.0.0.1:5432/test
PYPROJECTS := $(wildcard services/*/pyproject.toml)
# The services, from services.toml: installed (editable) beside requirements-dev.txt, type-checked
SERVICES := $(shell $(PYTHON) deploy/servicelist.py names)
SERVICE_SOURCES := $(shell $(PYTHON) deploy/servicelist.py sources)
ifeq ($(SERVICES),)
$(error no services from services.toml: see the message above ($(PYTHON) must be 3.11 or later))
endif
# The portal's JavaScript checks (ESLint, tsc), pinned by package-lock.json
NODE_STAMP := node_modules/.installed

.PHONY: run test test-postgres lint token install schemas bench clean deploy-files

$(STAMP): requirements-dev.txt constraints.txt services.toml $(PYPROJECTS)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --upgrade pip >/dev/null
	@$(BIN)/python -m pip install --quiet -r requirements-dev.txt $(SERVICES:%=-e services/%)
	@touch $(STAMP)

# npm ci again whenever the lock changes (or node_modules is missing)
$(NODE_STAMP): package.json package-lock.json
	@npm ci --no-audit --no-fund --loglevel=error
	@touch $(NODE_STAMP)

install: $(STAMP)

run: $(STAMP)
	@$(BIN)/python deploy/local/run.py

test: $(STAMP)
	$(BIN)/python -m pytest -q

test-postgres: $(STAMP)
	TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/python -m pytest -q -m db

lint: $(STAMP) $(NODE_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	MYPYPATH=$(SERVICE_SOURCES) $(BIN)/mypy services/contracts/src services/servicekit/src \
	  services/servicekit-testing/src $(SERVICES:%=services/%/src)
	npx --no-install eslint
	npx --no-install tsc -p tsconfig.json
	npx --no-install tsc -p tsconfig.sw.json

token: $(STAMP)
	@DEVIDP_DIR="$(DEVIDP_DIR)" $(BIN)/python -m servicekit.devidp token --role $(ROLE) --force $(FORCE)

# Every service's part of deploy/ (Compose, Kubernetes, PostgreSQL, the Secrets' example), from
# services.toml and each service's deploy.toml: run after changing either, and commit the result.
deploy-files: $(STAMP)
	$(BIN)/python deploy/render.py

schemas: $(STAMP)
	$(BIN)/python -m contracts.generate

bench: $(STAMP)
	@status=0; \
	$(BIN)/python tests/benchmarks/bench_referrals.py || status=1; \
	$(BIN)/python tests/benchmarks/bench_booking.py || status=1; \
	$(BIN)/python tests/benchmarks/bench_completion.py || status=1; \
	$(BIN)/python tests/benchmarks/bench_reporting.py || status=1; \
	exit $$status

clean:
	rm -rf $(VENV) node_modules .local .pytest_cache .mypy_cache .ruff_cache
