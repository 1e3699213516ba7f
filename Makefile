# The two commands a newcomer runs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run serve test fuzz lint install install-test install-bench migrate sandbox browser clean \
	bench-lists bench-load bench-machines bench-sync bench-all

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

$(VENV)/.installed-bench: $(VENV)/.installed-test pyproject.toml
	$(PY) -m pip install --quiet -e '.[test,bench]'
	touch $@

install-bench: $(VENV)/.installed-bench

migrate: install
	$(PY) manage.py migrate --noinput

sandbox: migrate
	$(PY) manage.py load_sandbox
	$(PY) manage.py ensure_demo_user

## Set up everything and serve the training sandbox at http://127.0.0.1:8000/
run: sandbox
	$(PY) manage.py runserver $(HOST):$(PORT)

## Production: gunicorn + whitenoise with DJANGO_DEBUG=false (set DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS, DATABASE_URL)
# 2 processes x 4 threads (gthread) on a 2-core machine, connections kept alive 75 s (longer than a
# load balancer's 60 s idle timeout): see docs/production.md, "Workers"
WORKERS ?= 2
THREADS ?= 4
KEEPALIVE ?= 75
serve: install
	DJANGO_DEBUG=false $(PY) manage.py collectstatic --noinput -v0
	DJANGO_DEBUG=false $(PY) manage.py migrate --noinput
	DJANGO_DEBUG=false $(VENV)/bin/gunicorn console.wsgi --bind $(HOST):$(PORT) --workers $(WORKERS) --threads $(THREADS) --keep-alive $(KEEPALIVE) --access-logfile -

# Browser tests need Debian's Chromium; install it when we can (root with apt), else they skip.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Debian's chromium for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is not installed: browser tests will be skipped (apt-get install chromium)"; fi; }

## Set up everything the tests need and run the whole suite
test: install-test browser
	$(PY) -m pytest $(PYTEST_ARGS)

## The fuzz suite (tests/fuzz/) at length: random seeds, FUZZ_SCALE (default 50) times the examples `make test` runs
FUZZ_SCALE ?= 50
fuzz: install-test
	HYPOTHESIS_PROFILE=fuzz FUZZ_SCALE=$(FUZZ_SCALE) $(PY) -m pytest tests/fuzz -p no:cacheprovider $(PYTEST_ARGS)

## Lint: ruff (lint and format), the design tokens are up to date
lint: install-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) scripts/build_tokens.py --check

## Benchmarks (issue #15): long runs printing figures next to the baseline; never part of `make test`.
## PostgreSQL as in .ci/run; each script creates its own database next to BENCH_DATABASE's and drops it.
BENCH_DATABASE ?= postgres://console:console@127.0.0.1:5432/console
BENCH_ARGS ?=
# List pages at 1,000/10,000/100,000 vs the admin, In Progress, the 75-behavior tabs, Yes, Edit (a few minutes)
bench-lists: install-bench
	$(PY) bench/console/run.py --database $(BENCH_DATABASE) --skip-load $(BENCH_ARGS)
# The same, then 100 and 300 locust users against gunicorn + whitenoise for 60 s each
bench-load: install-bench
	$(PY) bench/console/run.py --database $(BENCH_DATABASE) --users 100,300 $(BENCH_ARGS)
# Two gunicorn "machines" + two db_workers on one PostgreSQL: 50 concurrent Yes, Edit; exit 1 on a lost update
bench-machines: install-bench
	$(PY) bench/console/two_machines.py --database $(BENCH_DATABASE) $(BENCH_ARGS)
# sync_distributions vs aws cloudfront list-distributions on moto: time and peak memory at 1,000 and 10,000
bench-sync: install-bench
	$(PY) bench/sync_vs_cli.py --distributions 1000,10000 --rounds 3 $(BENCH_ARGS)
# Issue #15's five benchmarks in one run: bench-load's sections, then bench-sync's as section 6 (about 25 minutes)
bench-all: install-bench
	$(PY) bench/console/run.py --database $(BENCH_DATABASE) --users 100,300 --sync 1000,10000 $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .venv-awscli .venv-awscli.lock staticfiles .pytest_cache .hypothesis db.sqlite3
