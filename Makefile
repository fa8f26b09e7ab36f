# Convolutional MNIST, from scratch -- set-up, build, test.
#   make book   set up everything, execute every chapter, build the HTML site (English and 中文)
#   make release   the same, failing if any claim of the book failed (--strict-claims)
#   make test   set up everything, lint, unit tests, strict quick site build (runs each chapter once)
#   make lab    JupyterLab on the chapters (LANG=zh_CN: on the Chinese ones, from locale/zh_CN)
#   make rerun NB=chapters/02_mnist_data.ipynb PARAMS="-p SEED 1"   (papermill into runs/)
#   python -m mnist_utils.sweep NB -p NAME v1,v2 ...                 (a grid of runs)
#   make benchmark   this machine's speed: epoch throughput, time to 99%, the book's runtime
#   make translations   refresh the Chinese edition's catalogues (locale/zh_CN) from the source

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
DEPS_STAMP := $(VENV)/.deps-installed
VENDOR_STAMP := .vendor/static/.copied
NB ?=
PARAMS ?=
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help setup vendor data book release test lint unit notebooks site site-check lab rerun chromium clean \
        translations \
        benchmark

help:
	@sed -n "2,9p" Makefile

# --- set-up -----------------------------------------------------------------------
$(DEPS_STAMP): requirements.txt requirements-dev.txt requirements-data.txt pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -r requirements.txt -r requirements-dev.txt
	$(PY) -m pip install -q --no-deps -r requirements-data.txt
	$(PY) -m pip install -q --no-deps -e .
	@touch $@

setup: $(DEPS_STAMP) vendor

# MathJax and mermaid come from npm and are copied into the site, so pages render offline.
$(VENDOR_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	rm -rf .vendor/static && mkdir -p .vendor/static/vendor/mathjax .vendor/static/vendor/mermaid
	cp -r node_modules/mathjax/es5/. .vendor/static/vendor/mathjax/
	find .vendor/static/vendor/mathjax -maxdepth 1 -name '*.js' ! -name tex-chtml.js -delete
	cp node_modules/mermaid/dist/mermaid.min.js .vendor/static/vendor/mermaid/
	@touch $@

vendor: $(VENDOR_STAMP)

data: $(DEPS_STAMP)
	$(PY) -m mnist_utils data

# --- the book ---------------------------------------------------------------------
book: setup data
	$(PY) tools/build_site.py --mode full --strict
	$(PY) tools/build_site.py --mode full --strict --language zh_CN

release: setup data
	$(PY) tools/build_site.py --mode full --strict --strict-claims
	$(PY) tools/build_site.py --mode full --strict --language zh_CN

# The Chinese edition's catalogues (locale/zh_CN): new English messages arrive untranslated,
# changed ones fuzzy; tests/test_translations.py fails until they are translated.
translations: setup
	$(PY) tools/translations.py update

# --- tests ------------------------------------------------------------------------
# The chapters execute once, in the quick site build: a cell that fails fails the build
# (nb_execution_raise_on_error), which is all nbval-lax checked. `make notebooks` still
# runs them under nbval, one by one, when a traceback there is easier to read.
test: setup data chromium lint unit site site-check

# ruff: lint (pyflakes, pycodestyle, imports, bugbear) and formatting, chapters included
lint: $(DEPS_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

unit: $(DEPS_STAMP)
	$(PY) -m pytest tests -m "not site"

notebooks: $(DEPS_STAMP)
	MNIST_BOOK_QUICK=1 $(PY) -m pytest --nbval-lax -p no:cacheprovider chapters

site: setup
	$(PY) tools/build_site.py --mode quick --strict
	$(PY) tools/build_site.py --mode quick --strict --language zh_CN

site-check: $(DEPS_STAMP)
	$(PY) -m pytest tests -m site

# Headless Chromium checks that the built pages render math and diagrams offline, in both
# editions (a CJK font, so that the Chinese pages render as a reader's browser shows them).
chromium:
	@{ command -v chromium >/dev/null && fc-list :lang=zh | grep -q .; } || { \
	  echo "Installing Debian's chromium and a CJK font for the site check"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && \
	  $$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk; }

# --- working with chapters -----------------------------------------------------------
# LANG is also the locale, usually C.UTF-8 or en_US.UTF-8: only a zh_CN one (zh_CN,
# zh_CN.UTF-8, ...) picks the Chinese chapters, written afresh from the catalogues into
# _build/lab/zh_CN/chapters. PYTHONUTF8: where it is installed, plain zh_CN is a GB2312
# locale, and the notebooks and the book's files are UTF-8.
lab: setup data
ifneq ($(filter zh_CN%,$(LANG)),)
	PYTHONUTF8=1 $(PY) tools/translations.py notebooks
	PYTHONUTF8=1 $(BIN)/jupyter lab _build/lab/zh_CN/chapters
else
	$(BIN)/jupyter lab chapters
endif

rerun: $(DEPS_STAMP)
	@test -n "$(NB)" || { echo 'usage: make rerun NB=chapters/NN_name.ipynb PARAMS="-p NAME value"'; exit 2; }
	$(PY) -m mnist_utils.sweep "$(NB)" $(PARAMS) --out runs --timestamp

# --- benchmarks (not tests: they print this machine's figures) ------------------------
benchmark: setup data
	$(PY) benchmarks/epoch_throughput.py
	$(PY) benchmarks/time_to_99.py
	$(PY) benchmarks/book_runtime.py

clean:
	rm -rf _build .vendor runs figures
