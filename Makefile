# jobtracker: every entry point sets itself up from a fresh clone.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Two sets of Python packages: what the local stack runs, and the tools the rest add.
LOCAL_STAMP := $(VENV)/.installed-local
DEV_STAMP := $(VENV)/.installed-dev
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

# Everything but the browser; `make local` and `make soak` need only $(LOCAL_STAMP).
install: $(DEV_STAMP) $(NODE_STAMP)

# One line per install step, with its time; a step that fails prints all it said.
STEP = @step() { \
	label=$$1; shift; printf 'install: %s ... ' "$$label"; started=$$(date +%s); \
	log=$$(mktemp); \
	if "$$@" >"$$log" 2>&1; then echo "done ($$(( $$(date +%s) - started )) s)"; rm -f "$$log"; \
	else status=$$?; echo "FAILED: $$*"; cat "$$log"; rm -f "$$log"; return $$status; fi; \
	}; step

# Python compiles a module on its first import; pip compiling every module up front (all of
# moto and sympy) was 60% of the CPU time of the local set's install, mostly never imported.
PIP_INSTALL := $(BIN)/pip install --no-compile

$(BIN)/python:
	$(STEP) "virtualenv $(VENV)" $(PYTHON) -m venv $(VENV)

# The local stack's set: the functions' packages, boto3, the emulator and the CLI.
$(LOCAL_STAMP): requirements.txt requirements-local.txt pyproject.toml | $(BIN)/python
	$(STEP) "pip itself" $(PIP_INSTALL) --upgrade pip
	$(STEP) "Python packages (requirements-local.txt)" $(PIP_INSTALL) -r requirements-local.txt
	$(STEP) "jobtracker and its CLI (editable)" $(PIP_INSTALL) --no-deps -e .
	@touch $@

# The tools of the tests, synth, deploy and benchmarks, added on the first target that
# needs them.
$(DEV_STAMP): $(LOCAL_STAMP) requirements-dev.txt
	$(STEP) "test, synth and deploy tools (requirements-dev.txt)" $(PIP_INSTALL) -r requirements-dev.txt
	@touch $@

# The CDK CLI pinned in package.json / package-lock.json.
$(NODE_STAMP): package.json package-lock.json
	$(STEP) "CDK CLI (npm ci)" npm ci --no-audit --no-fund
	@touch $(NODE_STAMP)

# Only the web view's tests and bench need a browser: they drive Debian's chromium through
# Playwright (whose own browser download cannot work offline). CI runs as root;
# elsewhere, sudo is asked for. `make local` never installs it.
$(CHROMIUM):
	$(STEP) "chromium (apt-get)" $(SUDO) env DEBIAN_FRONTEND=noninteractive \
		sh -c 'apt-get update -qq && apt-get install -y -qq chromium'

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy functions jobtracker_cli local bench synthetic tests/fixtures
	$(BIN)/lint-imports

test: install $(CHROMIUM) lint
	$(BIN)/pytest

unit: install
	$(BIN)/pytest tests/unit

# The developer's loop: lint, types, unit and integration tests (no browser, no local
# stack, no deploy rehearsal: about half of `make test`'s time); `make test` runs everything.
check: lint
	$(BIN)/pytest tests/unit tests/integration

local: $(LOCAL_STAMP)
	$(BIN)/python -m local

# SOAK_EVENTS (10000) events through the local stack; prints time and events/second.
soak: $(LOCAL_STAMP)
	$(BIN)/python -m local.soak

# Every figure of the performance budget; writes bench/results.json (see bench/README.md).
bench: install $(CHROMIUM)
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
