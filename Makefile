# One command to run the service on SQLite with the demo district, one to run every check.
#   make run    set up .venv, migrate, load the demo district (once), serve on 127.0.0.1:8000
#   make test   set up .venv, make sure PostgreSQL is up, then ruff, mypy and the whole suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PG_URL ?= postgresql://postgres@127.0.0.1:5432/postgres

.PHONY: run test lint typecheck pytest postgres bench audit load fuzz lock clean

# Installed at the versions of constraints.txt, those the suite last passed with, so that a
# new release of a dependency (a new ruff rule, a FastAPI internal) changes nothing until
# `make lock` takes it in.
$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

# The newest releases pyproject.toml allows, resolved in a scratch environment, written to
# constraints.txt; then `make test` (it reinstalls .venv from the new file).
lock:
	rm -rf .venv-lock
	$(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python -m pip install --quiet --upgrade pip
	.venv-lock/bin/python -m pip install --quiet -e '.[dev]'
	{ sed -n '1,2p' constraints.txt; .venv-lock/bin/python -m pip freeze --exclude-editable; } > constraints.txt.new
	mv constraints.txt.new constraints.txt
	rm -rf .venv-lock

run: $(STAMP)
	$(BIN)/carbon db upgrade
	$(BIN)/carbon demo load --if-empty
	@echo "An admin token for trying the API (stored hashed; this is the only time it is shown):"
	@$(BIN)/carbon token create --role admin --label "make run"
	$(BIN)/carbon serve

test: $(STAMP) postgres lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest -n 2 -p no:cacheprovider

# PostgreSQL must answer on 127.0.0.1:5432: start the local cluster if it does not, and fail
# loudly if it still cannot be reached (the suite runs on SQLite and on PostgreSQL).
postgres:
	@if ! pg_isready -q -h 127.0.0.1 -p 5432; then \
	  echo "PostgreSQL is not answering; starting the local cluster"; \
	  pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start || true; \
	  for i in 1 2 3 4 5 6 7 8 9 10; do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done; \
	fi
	@pg_isready -h 127.0.0.1 -p 5432 || { echo "FATAL: PostgreSQL is not reachable on 127.0.0.1:5432" >&2; exit 1; }
	@psql "$(PG_URL)" -qtAc 'select 1' >/dev/null || { echo "FATAL: cannot log in to $(PG_URL)" >&2; exit 1; }

# Benchmarks print figures; they are not tests. Each runs on its own: `make bench`.
bench: $(STAMP) postgres
	@for f in bench/bench_*.py; do echo "== $$f"; $(BIN)/python -m bench.$$(basename $$f .py) || exit 1; done

# Known vulnerabilities in the installed packages. pip-audit asks PyPI's JSON API (or OSV with
# `-s osv`) about each package: it needs that network access, which the package mirror used by
# the test machines does not give (every package comes back "not found on PyPI"), so this is
# not part of `make test`; --strict makes it fail rather than pass on what it could not check.
audit: $(STAMP)
	$(BIN)/pip-audit --local --strict --progress-spinner off

# The longer runs: load (SQLite and PostgreSQL, about a minute) and fuzzing (minutes).
load: $(STAMP) postgres
	$(BIN)/python -m bench.load

fuzz: $(STAMP)
	$(BIN)/python -m bench.fuzz

clean:
	rm -rf $(VENV) carbon.db carbon.db-wal carbon.db-shm .mypy_cache .ruff_cache .pytest_cache
