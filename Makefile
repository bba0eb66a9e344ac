# SMB Revenue Cloud: the two commands are `make run` and `make test`.
# Both create/update .venv on their own and are quick when nothing changed.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
SUDO   := $(shell [ "$$(id -u)" = "0" ] || echo sudo)

.PHONY: run serve test test-fast reliability lint format bench browser axe clean help

help:
	@echo "make run     start the app on http://127.0.0.1:5000 (installs what it needs)"
	@echo "make test    install test dependencies (incl. Chromium) and run the whole suite"
	@echo "make serve   run under gunicorn (production-style, 2 workers)"
	@echo "make bench   run the benchmarks in benchmarks/"
	@echo "make reliability  long reliability runs (200 forecasts, 100 chats, drills)"
	@echo "make lint    ruff checks"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required (found %s)" % sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime-installed: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.dev-installed: requirements-dev.txt requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	@touch $(VENV)/.runtime-installed $@

run: $(VENV)/.runtime-installed
	$(BIN)/python app.py

serve: $(VENV)/.runtime-installed
	$(BIN)/gunicorn -c gunicorn.conf.py wsgi:server

# Debian's Chromium and its driver for the browser tests (never a downloaded browser), and
# poppler-utils (pdftotext, pdftoppm) for the report tests.
browser:
	@if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1 \
		&& command -v pdftotext >/dev/null 2>&1 && command -v pdftoppm >/dev/null 2>&1; then \
		true; \
	else \
		echo "Installing chromium, chromium-driver and poppler-utils (Debian packages)..."; \
		$(SUDO) apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q chromium chromium-driver poppler-utils; \
	fi

# axe-core for the accessibility tests, from npm into a test-only folder (never committed).
AXE := .test-node/node_modules/axe-core/axe.min.js
$(AXE):
	npm install --prefix .test-node --no-audit --no-fund --silent axe-core@4.14.1

axe: $(AXE)

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.dev-installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: $(VENV)/.dev-installed browser axe lint
	$(BIN)/python -m pytest

# The long runs of tests/reliability (the CI-sized ones are part of `make test`).
reliability: $(VENV)/.dev-installed
	$(BIN)/python -m pytest -m reliability tests/reliability

test-fast: $(VENV)/.dev-installed
	$(BIN)/python -m pytest -m "not browser and not slow"

bench: $(VENV)/.dev-installed
	@for script in benchmarks/bench_*.py; do \
		echo "== $$script"; $(BIN)/python $$script || exit 1; \
	done

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-artifacts instance .test-node
