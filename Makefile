# shishi — the two commands: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SHISHI := $(BIN)/shishi
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo install assets migrate seed test test-fast test-browser test-pg bench lint fmt lock clean ci \
	messages messages-check

$(BIN)/activate: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check -q -r requirements.lock
	$(BIN)/pip install --disable-pip-version-check -q --no-deps -e .
	touch $(BIN)/activate

install: $(BIN)/activate

node_modules/.package-lock.json: package.json package-lock.json
	$(BIN)/npm ci --no-audit --no-fund --loglevel=error
	touch node_modules/.package-lock.json

assets: install node_modules/.package-lock.json

migrate: install
	$(SHISHI) migrate --no-input -v 0

seed: migrate
	$(SHISHI) seed_demo

# The web server and the background worker (tasks, scheduled jobs) side by side;
# Ctrl-C stops both (scripts/demo_serve.py).
demo: assets seed
	@echo "Serving the demo on http://$(HOST):$(PORT)/ with the background worker and the local fake gateway (Ctrl-C to stop)"
	SHISHI_DEMO=1 $(BIN)/python scripts/demo_serve.py $(HOST):$(PORT)

test: assets
	$(BIN)/pytest -p xdist -n 2 -m "not browser"

test-fast: install
	$(BIN)/pytest -x -m "not browser"

test-browser: assets
	$(BIN)/pytest -m browser

PG_DIR ?= /tmp/shishi-test-pg
PG_PORT ?= 54329
test-pg: assets
	@url=$$(PG_FAST=1 bash scripts/pg.sh start $(PG_DIR) $(PG_PORT)) || exit 1; \
	DATABASE_URL=$$url $(BIN)/pytest -p xdist -n 2 -m "not browser"; rc=$$?; \
	bash scripts/pg.sh stop $(PG_DIR); exit $$rc

ci:
	CI=true bash .ci/run

bench: assets
	$(BIN)/python -m bench.run $(BENCH_ARGS)

lint: install  # style, types, migrations, catalogues and the architecture rules (core/tests/test_architecture.py)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy shishi bench
	$(SHISHI) makemigrations --check --dry-run
	$(BIN)/pytest -q -n0 shishi/core/tests/test_architecture.py
	$(MAKE) --no-print-directory messages-check

# Message catalogues: the .mo files are committed (the runtime reads them with Python's
# gettext and needs no Babel); `make messages` compiles them after a .po changes, and
# `messages-check` (in `make lint`) fails when one is missing or differs from what Babel
# makes of its .po. Fuzzy entries are left out, as msgfmt does.
LOCALE_DIR := shishi/locale

messages: install
	$(BIN)/pybabel compile --statistics -D django -d $(LOCALE_DIR)

messages-check: install
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	cp -R $(LOCALE_DIR)/. "$$tmp" && find "$$tmp" -name '*.mo' -delete && \
	$(BIN)/pybabel -q compile -D django -d "$$tmp" && \
	for mo in $$(cd "$$tmp" && find . -name '*.mo' | sort); do \
		cmp -s "$$tmp/$$mo" "$(LOCALE_DIR)/$$mo" || \
		{ echo "out of date: $(LOCALE_DIR)/$${mo#./} (run make messages)" >&2; exit 1; }; \
	done

fmt: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

lock:
	$(BIN)/pip freeze --exclude-editable | grep -v '^shishi' > requirements.lock

clean:
	rm -rf $(VENV) node_modules staticfiles
