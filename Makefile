# Two commands for a fresh machine: `make run` and `make test`.
# With DATABASE_URL unset both provision a private PostgreSQL cluster (hepingorgs/devdb.py).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEV_SECRET := insecure-development-key-only

.PHONY: run test venv db stop-db lint messages demo

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

db:
	@if [ -z "$$DATABASE_URL" ]; then $(PYTHON) -m hepingorgs.devdb start; fi

stop-db:
	$(PYTHON) -m hepingorgs.devdb stop

# The compiled catalogue is committed; rebuild it when gettext is on the machine.
messages: venv
	@if command -v msgfmt >/dev/null; then \
		SECRET_KEY=$(DEV_SECRET) $(BIN)/python manage.py compilemessages --ignore=.venv -v 0; fi

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

demo: venv db messages
	DEBUG=1 $(BIN)/python manage.py migrate --no-input -v 0
	DEBUG=1 $(BIN)/python manage.py load_demo

run: demo
	@echo "Serving on http://127.0.0.1:8000 (admin: http://127.0.0.1:8000/admin/)"
	DEBUG=1 $(BIN)/python manage.py runserver 127.0.0.1:8000

test: venv db messages lint
	SECRET_KEY=$(DEV_SECRET) $(BIN)/python manage.py makemigrations --check --dry-run
	SECRET_KEY=$(DEV_SECRET) $(BIN)/pytest
