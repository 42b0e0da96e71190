# Two commands on a fresh clone:  make demo  |  make test
# Both need only Python 3.11 and the package registries.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
DEMO_RELEASES ?= 400
# The demo serves as production does (the site's own error pages, no debug
# pages), over plain HTTP on this machine only.
DEMO_ENV := DJANGO_LOCAL=1

.PHONY: demo test lint format clean bench loadtest messages

$(VENV)/.runtime: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.dev: pyproject.toml $(VENV)/.runtime
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

## demo: install, build the SQLite demo database and serve it on http://127.0.0.1:$(PORT)
# Beside the server, in the background and stopped with it: the task worker
# (db_worker) and the alerts' clock (send_alerts every 30 s). Mail is printed here.
demo: $(VENV)/.runtime
	$(DEMO_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEMO_ENV) $(BIN)/python manage.py load_taxonomy
	$(DEMO_ENV) $(BIN)/python manage.py demo_setup --releases $(DEMO_RELEASES) --port $(PORT)
	$(DEMO_ENV) SITE_URL=http://127.0.0.1:$(PORT) sh -c 'trap "kill 0" EXIT INT TERM; \
		$(BIN)/python manage.py db_worker --no-startup-delay & \
		$(BIN)/python manage.py send_alerts --every 30 --quiet & \
		$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)'

## test: the whole suite (SQLite by default; set DATABASE_URL for PostgreSQL)
# Browser tests need Debian's chromium; accessibility tests axe-core from npm.
test: $(VENV)/.dev
	@[ -f node_modules/axe-core/axe.min.js ] || ! command -v npm >/dev/null \
		|| npm install --no-audit --no-fund --silent
	$(BIN)/python -m pytest

## bench: speed and memory at 100,000 releases on PostgreSQL (see README, "Performance"):
# every page cold (every cache a DummyCache) and warm, in-process, beside a trivial view
# timed in the same run; gunicorn throughput, worker RSS, seed and import times
bench: $(VENV)/.dev
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk >/dev/null) \
		|| echo "wrk is not available: the Python load generator is used instead"
	$(BIN)/python -m bench.run

## loadtest: 50 clients for 60 s, then a PostgreSQL restart mid-run (docs/loadtest.md)
loadtest: $(VENV)/.dev
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk >/dev/null)
	$(BIN)/python -m bench.loadtest

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(VENV)/.dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## messages: update the interface's catalogs (locale/) from the source, then compile them
# Needs gettext (xgettext, msgfmt); translate what makemessages adds, then run it again.
messages: $(VENV)/.runtime
	$(DEMO_ENV) $(BIN)/python manage.py makemessages --all \
		--extension=html,txt,py,xsl --ignore=.venv --ignore=node_modules --ignore=tests \
		--ignore=bench --ignore=staticfiles
	$(DEMO_ENV) $(BIN)/python manage.py compilemessages --ignore=.venv --ignore=node_modules

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* staticfiles .pytest_cache .ruff_cache
