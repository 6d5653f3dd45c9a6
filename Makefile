# The commands for test, lint and format; run them in the environment that has `pip install -e '.[test]'`
# (the README's install, which holds the pinned ruff). `.ci/run` runs the lint, then the tests.
PYTHON ?= python

.PHONY: install test lint format

install:
	$(PYTHON) -m pip install -e '.[test]'

test:
	$(PYTHON) -m pytest

lint:
	$(PYTHON) -m ruff check .
	$(PYTHON) -m ruff format --check .

format:
	$(PYTHON) -m ruff format .
	$(PYTHON) -m ruff check --fix .
