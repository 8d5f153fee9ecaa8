# Stocklab: `make run` runs the default experiment, `make test` runs the test suite.
# Each creates the virtual environment in .venv on first use (Python 3.11+, pip): `make run`
# installs what the main job needs, `make test` adds every extra (TensorFlow, Gymnasium,
# the launchers and the tuner) and the test tools.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
CORE := $(VENV)/.stocklab-core
STAMP := $(VENV)/.stocklab-installed

.PHONY: run test browser bench lint format clean

$(CORE): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $(CORE)

$(STAMP): $(CORE)
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(CORE)
	$(BIN)/python -m experiments.run policy=eoq

# The suite's files are shared out to one worker per core (at most 4; a file stays on one
# worker, so its module fixtures run once): 2 workers on a 2-core machine.
test: $(STAMP) browser
	$(BIN)/python -m pytest -n auto --maxprocesses 4 --dist loadfile

# A headless browser for tests/test_report_browser.py, which opens report.html in it. When
# none is found ($STOCKLAB_CHROMIUM or one of BROWSERS on PATH) and we are root with apt-get,
# install Debian's chromium; otherwise print a note and go on (that test then skips).
BROWSERS := chromium chromium-browser google-chrome google-chrome-stable chromium-headless-shell

browser:
	@if [ -n "$$STOCKLAB_CHROMIUM" ]; then exit 0; fi; \
	for b in $(BROWSERS); do command -v $$b >/dev/null 2>&1 && exit 0; done; \
	if [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then \
		echo "note: no chromium and no root apt-get to install it: the browser test will skip"; \
		exit 0; \
	fi; \
	echo "installing Debian's chromium for the browser test (apt-get, about 400 MB)"; \
	log=$$(mktemp); \
	if { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends chromium; } >$$log 2>&1; then \
		rm -f $$log; \
	else \
		echo "note: apt-get could not install chromium (see $$log): the browser test will skip"; \
	fi

bench: $(STAMP)
	$(BIN)/python -m experiments.bench

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) outputs multirun .pytest_cache .ruff_cache
