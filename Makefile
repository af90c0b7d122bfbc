# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint bench chaos venv clean

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[web,server,dev]'
	touch $(STAMP)

## Start the whole system on SQLite with a demo team (Ctrl-C stops it).
run: venv
	$(PY) scripts/run_all.py

## Run every test (PostgreSQL and Chromium tests are required when CI=true).
test: venv
	$(PY) -m pytest

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy app sync server scripts
	$(VENV)/bin/lint-imports
	$(VENV)/bin/vulture

## Every benchmark side by side with its peers (Kinto, TinyDB, the machine's floor) into bench/RESULTS.md;
## installs the peers into bench/.peers-venv; needs PostgreSQL; ~14 minutes. bench/review.py at 500k runs alone.
bench: venv
	$(PY) bench/suite.py

## Long chaos runs on SQLite and PostgreSQL (tests/chaos): phones and the API killed and restarted under a
## faulty network, then checked for lost, duplicated or twice-applied saves and false conflicts; ~2 minutes.
chaos: venv
	$(PY) -m tests.chaos.run --backend both

clean:
	rm -rf $(VENV) var artifacts .pytest_cache .mypy_cache .ruff_cache
