# Two commands for a fresh clone (see README): `make run` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
# Not needed since the venv holds this project (`pip install -e .`); kept so that make's
# targets always run this checkout's sources, even from a venv shared with another one.
export PYTHONPATH := layers/common/python:.

RUNTIME_STAMP := $(VENV)/.runtime-installed
DEV_STAMP := $(VENV)/.dev-installed

.PHONY: run test lint typecheck cfn-lint pytest bench clean e2e-tcp

$(PY):
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

# The project itself goes in editable (pyproject.toml): the `tgscraper` console script, and
# `python -m local` without PYTHONPATH. Its dependencies are layers/common/requirements.txt.
$(RUNTIME_STAMP): layers/common/requirements.txt requirements-local.txt pyproject.toml | $(PY)
	$(PY) -m pip install -q -r layers/common/requirements.txt -r requirements-local.txt -e .
	touch $@

$(DEV_STAMP): requirements-dev.txt requirements-local.txt layers/common/requirements.txt pyproject.toml | $(PY)
	$(PY) -m pip install -q -r requirements-dev.txt -r requirements-local.txt -e .
	touch $@ $(RUNTIME_STAMP)

## Install the runtime into .venv and serve the API on http://localhost:8000
run: $(RUNTIME_STAMP)
	$(PY) -m local serve

## Install everything and run lint, type check, template check and the whole test suite
test: $(DEV_STAMP) lint typecheck cfn-lint pytest

lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(DEV_STAMP)
	$(VENV)/bin/mypy

cfn-lint: $(DEV_STAMP)
	$(VENV)/bin/cfn-lint template.yaml

pytest: $(DEV_STAMP)
	$(PY) -m pytest

.PHONY: aws-init e2e
## Create template.yaml's tables and bucket on AWS_ENDPOINT_URL (or AWS): see README
aws-init: $(RUNTIME_STAMP)
	$(PY) -m local aws-init

## End-to-end run in aws mode over real HTTP: moto_server + aws-init + the local runner
e2e: $(DEV_STAMP)
	E2E=1 $(PY) -m pytest tests/e2e

## Run every benchmark (figures go to the README)
bench: $(DEV_STAMP)
	$(PY) -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

## The suite's real-network part alone: the simulated Telegram over MTProto on TCP
## (demo flow, history, files, QR login with DC migration and 2FA, faults, settings)
e2e-tcp: $(DEV_STAMP)
	$(PY) -m pytest tests/local/simtg/net tests/layers/telegram/test_network.py

# -- checkov (its own venv: its pins clash with the runtime's boto3) ------------------------
CHECKOV_VENV := $(VENV)/checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed

$(CHECKOV_STAMP): requirements-checkov.txt
	python3 -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install -q -r requirements-checkov.txt
	touch $@

.PHONY: checkov deploy destroy

## checkov over template.yaml; every skipped check, with its reason, is in .checkov.yaml
checkov: $(CHECKOV_STAMP)
	BC_SKIP_MAPPING=TRUE $(CHECKOV_VENV)/bin/checkov --config-file .checkov.yaml

test: checkov

# -- deploy / destroy (docs/deploy.md); ARGS="--dry-run" prints the steps, touches nothing --
## Create missing SSM parameters (prompting), sam build, sam deploy, print the API URL
deploy: $(RUNTIME_STAMP)
	PYTHON=$(PY) bash deploy/deploy.sh $(ARGS)

## sam delete, then say what was retained and how to remove it
destroy: $(RUNTIME_STAMP)
	PYTHON=$(PY) bash deploy/destroy.sh $(ARGS)

# ---------------------------------------------------------------- built artifact (docs/build.md)
PYTHON312 ?= $(HOME)/.pyenv/versions/3.12.1/bin/python3.12
export PYTHON312
SAM_VENV := .venv-sam
SAM_STAMP := $(SAM_VENV)/.installed
VENV312 := .venv312

.PHONY: build-check sam-build test-py312

# aws-sam-cli in its own venv; `make pytest` needs it for tests/build (which skip, with
# the reason, where no Python 3.12 exists).
$(SAM_STAMP): requirements-sam.txt
	python3 -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/pip install -q --upgrade pip
	$(SAM_VENV)/bin/pip install -q -r requirements-sam.txt
	touch $@

pytest: $(SAM_STAMP)

## sam build (the deployable arm64 tree) into .aws-sam/build, Python 3.12 first on PATH
sam-build: $(SAM_STAMP)
	PATH="$(dir $(PYTHON312)):$$PATH" SAM_CLI_TELEMETRY=0 $(SAM_VENV)/bin/sam build --cached

## Only the built-artifact check: build, sizes, replay of events/ through the built tree
build-check: $(DEV_STAMP) $(SAM_STAMP)
	$(PY) -m pytest tests/build -rs

## The whole test suite on Python 3.12 (the template's runtime), in its own venv
$(VENV312)/.dev-installed: requirements-dev.txt layers/common/requirements.txt
	@test -x $(PYTHON312) || { echo "no Python 3.12 at $(PYTHON312) (set PYTHON312)"; exit 1; }
	$(PYTHON312) -m venv $(VENV312)
	$(VENV312)/bin/python -m pip install -q --upgrade pip
	$(VENV312)/bin/python -m pip install -q -r requirements-dev.txt
	touch $@

test-py312: $(VENV312)/.dev-installed $(SAM_STAMP)
	$(VENV312)/bin/python -m pytest
