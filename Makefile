# Two commands do everything on a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CORES ?= 2
CONFIG ?= config/config.yaml
export REMODEL_FIT_JAX_CACHE ?= $(CURDIR)/.jax_cache
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: setup run test test-all report lint clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) (Python 3.11) on PATH"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)  ## set-up plus the whole default analysis
	$(BIN)/snakemake --cores $(CORES) --configfile $(CONFIG) --rerun-incomplete --printshellcmds

test: $(STAMP)  ## set-up plus the default test suite (slow tests excluded)
	$(BIN)/python -m pytest

test-all: $(STAMP)  ## every test, the slow ones too
	$(BIN)/python -m pytest -m ""

report: run  ## self-contained HTML report of the default analysis
	$(BIN)/snakemake --cores 1 --configfile $(CONFIG) --report results/report.html

lint: $(STAMP)
	$(BIN)/snakemake --lint --configfile $(CONFIG)

clean:
	rm -rf results logs .snakemake
