# Webclasseur: two commands.
#   make run   — install, migrate, load the demo school once, serve http://127.0.0.1:8000
#   make test  — install and run the whole suite (lint, types, migrations, pytest, browser)
# With DATABASE_URL and REDIS_URL set, both use PostgreSQL and Redis (see .env.example).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Settings for the developer commands; the test run sets its own (pyproject.toml).
DEV_ENV := DJANGO_DEBUG=$${DJANGO_DEBUG:-True}
PYTEST_WORKERS ?= 2

# An optional .env file overrides the defaults (never committed).
ifneq (,$(wildcard .env))
include .env
export
endif

.PHONY: run test install system-deps lint types migrations-check unit e2e browser messages compilemessages clean bench bench-install bench-passport audit bandit

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: system-deps $(STAMP) compilemessages

# Shared libraries the Python packages load: libmagic (python-magic) and Pango
# (WeasyPrint); xmlsec1 signs the test IdP's SAML responses (pysaml2).
# Installed from Debian's packages when missing.
system-deps:
	@ldconfig -p | grep -q 'libmagic.so.1' && ldconfig -p | grep -q 'libpango-1.0.so.0' && command -v xmlsec1 >/dev/null || { \
		echo "Installing libmagic1, Pango and xmlsec1 with apt-get"; \
		apt-get install -y -qq libmagic1 libpango-1.0-0 libpangoft2-1.0-0 xmlsec1 >/dev/null 2>&1 || { \
			apt-get update -qq && apt-get install -y -qq libmagic1 libpango-1.0-0 libpangoft2-1.0-0 xmlsec1 >/dev/null; }; }

compilemessages: $(STAMP)
	@command -v msgfmt >/dev/null || { echo "Installing gettext (msgfmt) with apt-get"; apt-get install -y -qq gettext >/dev/null || { apt-get update -qq && apt-get install -y -qq gettext >/dev/null; }; }
	$(DEV_ENV) $(BIN)/python manage.py compilemessages -v0 --ignore='.venv/*'

messages: $(STAMP)
	$(DEV_ENV) $(BIN)/python manage.py makemessages -l fr -l en --ignore='.venv/*' --ignore='var/*' --no-obsolete --add-location=file
	$(MAKE) compilemessages

run: install
	$(DEV_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEV_ENV) $(BIN)/python manage.py seed_demo
	$(DEV_ENV) $(BIN)/python manage.py runserver 127.0.0.1:8000

browser:
	@command -v chromium >/dev/null || { echo "Installing Debian's chromium with apt-get"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: install
	$(DEV_ENV) $(BIN)/mypy .

migrations-check: install
	$(DEV_ENV) $(BIN)/python manage.py makemigrations --check --dry-run

unit: install
	$(BIN)/pytest -n $(PYTEST_WORKERS) --ignore=tests/e2e

e2e: install browser
	$(BIN)/pytest tests/e2e

test: lint types migrations-check bandit unit e2e

clean:
	rm -rf $(VENV) var db.sqlite3

# Benchmarks (docs/performance.md); not part of `make test`. They need the
# machine's PostgreSQL and Redis; each scale is seeded once into its own
# database, wc_bench_s<scale>, and reused by later runs (--reuse).
BENCH_SCALE ?= 1
BENCH_GROWTH_SCALE ?= 2
BENCH_PARTS ?= pages,passport,batch,sso,load
BENCH_ENV := DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/wc_bench_s1} \
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/6}

bench-install: install
	@$(BIN)/python -c 'import locust' 2>/dev/null || $(BIN)/pip install --quiet -e '.[dev,bench]'

bench: bench-install
	$(BENCH_ENV) $(BIN)/python -m bench.run --reuse --scale $(BENCH_SCALE) \
		--growth-scale $(BENCH_GROWTH_SCALE) --parts $(BENCH_PARTS)

bench-passport: bench-install
	$(BENCH_ENV) $(BIN)/python -m bench.run --reuse --scale $(BENCH_SCALE) --parts passport,batch

# Risky code patterns (bandit): any finding of high severity fails `make test`.
bandit: install
	$(BIN)/bandit -q -r classes portfolio exports lti_sso webclasseur -x '*/migrations/*' --severity-level high

# Not part of `make test`: pip-audit needs a vulnerability service (PyPI's
# per-version JSON API or osv.dev), which the development and CI machines do
# not reach. --strict fails when a package could not be audited, so an
# unreachable service is never taken for "no known vulnerabilities".
audit: bandit
	$(BIN)/pip-audit --skip-editable --strict --progress-spinner off
