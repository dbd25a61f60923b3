# odas-analysis: `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
KERNEL := odas-analysis
# National data files (INSEE, Etalab, Ministère de l'Intérieur); see README.md.
ODAS_NATIONAL_DATA ?= $(abspath ../shared/data)
export ODAS_NATIONAL_DATA

.PHONY: help setup lab validate data reports html report notebooks lint test test-fast bench lock clean

help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-10s %s\n", $$1, $$2}'

setup: $(VENV)/.installed ## create .venv, install the locked environment, the package and the Jupyter kernel

$(VENV)/.installed: requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m ipykernel install --prefix $(abspath $(VENV)) --name $(KERNEL) --display-name "Python (odas-analysis)"
	touch $@

# Extra options for JupyterLab, e.g. `make lab LAB_ARGS=--no-browser` on a remote machine.
LAB_ARGS ?=
# Jupyter refuses to start as root (containers, CI machines) unless told it may.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)

lab: setup ## open JupyterLab on notebooks/ with the project kernel
	JUPYTER_PATH=$(abspath $(VENV))/share/jupyter $(BIN)/jupyter lab $(ROOT_FLAG) $(LAB_ARGS) notebooks/

validate: setup ## check every table of data/ against data/datapackage.json
	$(BIN)/odas-analysis validate

data: setup ## rebuild data/territory/ from the national files in ODAS_NATIONAL_DATA
	$(BIN)/odas-analysis data build

# Options of `odas-analysis run`, e.g. `make reports RUN_ARGS="--site angers --force"`.
RUN_ARGS ?=

reports: setup ## execute the notebooks (11 sites, 5 hypotheses, methodology, synthesis) into build/html/index.html; skips what did not change
	$(BIN)/odas-analysis run $(RUN_ARGS)

html: setup ## re-render build/html/ from the executed notebooks, without executing them
	$(BIN)/odas-analysis run --render-only

bench: setup ## the ratios of issue 14: batch against its limit, national sample of 100 territories, Dask against the local pool (about 3.5 to 7 min)
	$(BIN)/python bench/bench_batch.py --skip-papermill
	$(BIN)/python bench/bench_national.py --sample 100
	$(BIN)/python bench/bench_dask.py --sample 100

report: reports ## bring the batch up to date, then build the published report (build/report/: HTML, PDF, exports.csv)
	$(BIN)/odas-analysis report

notebooks: setup ## re-execute the committed notebooks in place (after a change upstream), so that nbval compares the new outputs
	$(BIN)/jupytext --quiet --sync notebooks/*.py tests/fixtures/notebooks/nbval/exemple.py
	for nb in notebooks/*.ipynb tests/fixtures/notebooks/nbval/exemple.ipynb; do \
	  (cd $$(dirname $$nb) && $(abspath $(BIN))/jupyter nbconvert --log-level=WARN --execute --to notebook --inplace \
	    --ExecutePreprocessor.kernel_name=$(KERNEL) --ExecutePreprocessor.record_timing=False $$(basename $$nb)) || exit 1; \
	done

lint: setup ## ruff: lint and format check of src/, tests/, bench/ and the notebooks' scripts
	$(BIN)/ruff check src tests bench notebooks/*.py
	$(BIN)/ruff format --check src tests bench notebooks/*.py

test: setup ## run the whole test suite (unit, data, notebooks with nbval, end to end)
	$(BIN)/python -m pytest

lock: ## recompile requirements.lock from pyproject.toml (needs uv), then environment.yml
	uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes -o requirements.lock
	$(BIN)/python -m odas_analysis.envfile

clean: ## remove build outputs, exported figures and tables, caches (keeps .venv)
	rm -rf build .pytest_cache
	find figures tables -mindepth 1 -maxdepth 1 -type d -exec rm -rf {} +
	find . -name __pycache__ -type d -prune -not -path './.venv/*' -exec rm -rf {} +

distclean: clean ## remove .venv too
	rm -rf $(VENV)
