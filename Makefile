# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= $(shell tools/find-python)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CORES ?= 2
CONFIG ?= config/config.yaml
export REMODEL_FIT_JAX_CACHE ?= $(CURDIR)/.jax_cache
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: setup run test test-all report browser lint clean

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "remodel-fit needs Python 3.12 or newer: none on PATH (python3.13, python3.12, python3) or under pyenv (~/.pyenv/versions). Install one, e.g. 'pyenv install 3.12', or run 'make PYTHON=/path/to/python3.12'."; exit 1; }
	@test -x $(BIN)/python && $(BIN)/python -c 'import sys; sys.exit(sys.version_info < (3, 12))' || { rm -rf $(VENV); $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)  ## set-up plus the whole default analysis
	@$(BIN)/remodel-fit validate --yaml-only --config $(CONFIG)
	$(BIN)/snakemake --cores $(CORES) --configfile $(CONFIG) --rerun-incomplete --printshellcmds

# The suite runs on $(CORES) workers (pytest-xdist), a test file per worker so module fixtures compile once:
# most of its time is single-threaded XLA compiles (benchmarks/RESULTS.md, "The test suite").
PYTEST_WORKERS := -n $(CORES) --dist loadfile

test: $(STAMP) browser  ## set-up plus the default test suite (slow tests excluded)
	$(BIN)/python -m pytest $(PYTEST_WORKERS)

test-all: $(STAMP)  ## every test, the slow ones too
	$(BIN)/python -m pytest $(PYTEST_WORKERS) -m ""

report: run  ## the landing page (results/report/index.html, made by `make run`) and Snakemake's report
	$(BIN)/snakemake --cores 1 --configfile $(CONFIG) --report results/report.html
	@echo "open results/report/index.html (the answers) or results/report.html (every figure with its caption)"

browser:  ## headless Chromium for the report's browser test (Debian package; skipped by the test where absent)
	@command -v chromium >/dev/null 2>&1 || { command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ] && \
	  { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1 || \
	    { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1; }; }; } || \
	  echo "chromium not installed: the report's browser test will be skipped"

lint: $(STAMP)
	$(BIN)/snakemake --lint --configfile $(CONFIG)

clean:
	rm -rf results logs .snakemake
