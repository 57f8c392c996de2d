# The README's two commands live here: `make demo` and `make test`.
# Each sets itself up in .venv on a fresh machine with Python 3.11+.

PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' && { echo $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
HTMX := mutualaid/static/vendor/htmx.min.js
PYTEST_ARGS ?=
DEMO_ARGS ?=
BENCH_ARGS ?=

.PHONY: demo test test-browser lint format bench bench-notify drill-notify install assets clean

$(INSTALLED): pyproject.toml
	@test -n "$(PYTHON)" || { echo "mutualaid needs Python 3.11 or newer (python3.11, python3.12 ...)."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

install: $(INSTALLED)

# htmx comes from npm into a git-ignored folder. Without npm the pages still work, minus polish.
$(HTMX): package.json
	@if command -v npm >/dev/null 2>&1; then \
		npm install --no-audit --no-fund --silent && mkdir -p $(dir $(HTMX)) && \
		cp node_modules/htmx.org/dist/htmx.min.js $(HTMX); \
	else echo "npm not found: serving pages without htmx (they work without JavaScript)."; fi

assets: $(HTMX)

# e.g. make demo DEMO_ARGS="--port 8765 --reset"
demo: $(INSTALLED) assets
	$(BIN)/mutualaid demo $(DEMO_ARGS)

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(INSTALLED)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: $(INSTALLED) assets lint
	$(BIN)/mypy mutualaid
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest $(PYTEST_ARGS)

test-browser: $(INSTALLED) assets
	$(BIN)/pytest tests/browser $(PYTEST_ARGS)

# e.g. make bench BENCH_ARGS="--duration 30 --workers 3"
bench: $(INSTALLED) assets
	$(BIN)/python bench/web.py $(BENCH_ARGS)

# Notifications through real Huey consumers on PostgreSQL and Redis, 1 then 2 worker processes.
bench-notify: $(INSTALLED)
	$(BIN)/python bench/notify.py $(BENCH_ARGS)

# The worker fault drill, bigger than in make test: 2,000 notifications, 8 SIGKILLs, on the
# SQLite queue and on Redis; prints a JSON summary per queue.
drill-notify: $(INSTALLED)
	$(BIN)/python -m tests.channels.drill --notifications 2000 --kills 8
	$(BIN)/python -m tests.channels.drill --notifications 2000 --kills 8 --redis redis://127.0.0.1:6379/15

clean:
	rm -rf $(VENV) node_modules $(dir $(HTMX))
