# jobtracker: every entry point sets itself up from a fresh clone.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
CDK := npx --no-install cdk
# The browser the web view's tests drive; another path works if it is a Chromium too.
CHROMIUM ?= /usr/bin/chromium
export CHROMIUM
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
export PYTHONPATH := $(CURDIR)/functions:$(CURDIR)
# Node 22+ is supported; Node 20 still works, and jsii's end-of-life banner for it (for 20
# only) would bury every synth's and test's output.
export JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION := 1
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
# A region only where nothing real is reached; deploy and synth take the one of the
# user's AWS profile (or AWS_REGION), as the AWS CLI would.
test check unit local soak bench: export AWS_DEFAULT_REGION ?= us-east-1

.PHONY: install test check lint unit local soak bench synth deploy rehearse clean

install: $(STAMP) $(NODE_STAMP)

# Only the tests need a browser: the web view's tests drive Debian's chromium through
# Playwright (whose own browser download cannot work offline). CI runs as root;
# elsewhere, sudo is asked for. `make local` never installs it.
$(CHROMIUM):
	$(SUDO) apt-get update -qq
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

# One line per install step, with its time; a step that fails prints all it said.
STEP = @step() { \
	label=$$1; shift; printf 'install: %s ... ' "$$label"; started=$$(date +%s); \
	log=$$(mktemp); \
	if "$$@" >"$$log" 2>&1; then echo "done ($$(( $$(date +%s) - started )) s)"; rm -f "$$log"; \
	else status=$$?; echo "FAILED: $$*"; cat "$$log"; rm -f "$$log"; return $$status; fi; \
	}; step

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	@echo "install: Python packages from PyPI, the CDK CLI from npm (a few minutes the first time)"
	@test -x $(BIN)/python || { echo "install: virtualenv $(VENV)"; $(PYTHON) -m venv $(VENV); }
	$(STEP) "pip itself" $(BIN)/pip install --upgrade pip
	$(STEP) "Python packages (requirements-dev.txt)" $(BIN)/pip install -r requirements-dev.txt
	$(STEP) "jobtracker and its CLI (editable)" $(BIN)/pip install --no-deps -e .
	@touch $(STAMP)

# The CDK CLI pinned in package.json / package-lock.json.
$(NODE_STAMP): package.json package-lock.json
	$(STEP) "CDK CLI (npm ci)" npm ci --no-audit --no-fund
	@touch $(NODE_STAMP)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy functions jobtracker_cli
	$(BIN)/lint-imports

test: lint $(CHROMIUM)
	$(BIN)/pytest

unit: install
	$(BIN)/pytest tests/unit

# The developer's loop: lint, types, unit and integration tests (no browser, no local
# stack, no deploy rehearsal: about half of `make test`'s time); `make test` runs everything.
check: lint
	$(BIN)/pytest tests/unit tests/integration

local: install
	$(BIN)/python -m local

# SOAK_EVENTS (10000) events through the local stack; prints time and events/second.
soak: install
	$(BIN)/python -m local.soak

# Every figure of the performance budget; writes bench/results.json (see bench/README.md).
bench: install
	$(BIN)/python -m bench

synth: install
	$(CDK) synth --quiet --no-notices
	$(BIN)/python -m infra.asset_sizes cdk.out

deploy: install
	$(CDK) deploy --no-notices $(CDK_ARGS)

# `make deploy` as a user runs it, into the AWS emulator, then the deployed stack at work;
# writes cdk.out/rehearsal.json (docs/deploy.md, "Rehearsing a deploy"). In `make test` too.
rehearse: install
	$(BIN)/python -m local.rehearsal

clean:
	rm -rf $(VENV) node_modules cdk.out .cache .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
