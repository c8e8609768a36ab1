# Two commands for a fresh machine: `make run` and `make test`.
# With DATABASE_URL unset both provision a private PostgreSQL cluster (hepingorgs/devdb.py).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEV_SECRET := insecure-development-key-only
# pytest workers for `make test` (pytest-xdist): one per core, at most 4.
TEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 2); echo $$(( n < 4 ? n : 4 )))

.PHONY: run test venv db stop-db lint messages demo serve backup restore

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

# axe-core for the accessibility audit (tests/accessibility.py), pinned in package-lock.json.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
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

test: venv db messages lint node_modules/.installed
	SECRET_KEY=$(DEV_SECRET) $(BIN)/python manage.py makemigrations --check --dry-run
	SECRET_KEY=$(DEV_SECRET) $(BIN)/pytest -n $(TEST_WORKERS) --dist loadscope

# As in production: DEBUG off, settings from the environment (SECRET_KEY required; see
# docs/deploy.md), static files collected for whitenoise, gunicorn on loopback behind the
# HTTPS reverse proxy. PORT (default 8000), WEB_CONCURRENCY (workers, default 3); BIND
# replaces 127.0.0.1:$PORT when the proxy runs on another host.
serve: venv db messages
	DEBUG=0 $(BIN)/python manage.py migrate --no-input -v 0
	DEBUG=0 $(BIN)/python manage.py collectstatic --no-input -v 0
	DEBUG=0 exec $(BIN)/gunicorn hepingorgs.wsgi --bind $${BIND:-127.0.0.1:$${PORT:-8000}} \
		--workers $${WEB_CONCURRENCY:-3} --access-logfile -

# pg_dump custom-format file into BACKUP_DIR (default .var/backups), named by time.
backup: venv db
	$(BIN)/python -m hepingorgs.backup backup

# Restores FILE into the (empty) database of DATABASE_URL; refuses a non-empty one.
restore: venv db
	@test -n "$(FILE)" || { echo "usage: make restore FILE=.var/backups/<file>.dump" >&2; exit 2; }
	$(BIN)/python -m hepingorgs.backup restore "$(FILE)"
