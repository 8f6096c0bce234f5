# Two commands matter: `make run` (embedded: SQLite, inline tasks, database search, demo data) and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000
TEST_DATABASE_URL ?= postgres://postgres@localhost:5432/instruments
# Tests marked `redis` talk to this real broker; database 15 keeps them apart from a development worker.
TEST_REDIS_URL ?= redis://localhost:6379/15
# The browser tests drive the system's Chromium (Debian's package); Playwright never downloads one.
CHROMIUM ?= /usr/bin/chromium
DEMO_PASSWORD ?= demo-pass-2026

.PHONY: run setup install migrate messages seed serve test lint typecheck pytest worker beat makemessages bench clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/activate
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

messages: install
	$(PY) manage.py compilemessages --ignore '.venv' --ignore 'staticfiles' --ignore 'node_modules' -v 0

migrate: install
	$(PY) manage.py migrate --noinput -v 0

seed: migrate
	DEMO_PASSWORD=$(DEMO_PASSWORD) $(PY) manage.py seed_demo

setup: install messages migrate seed

serve:
	@echo ""
	@echo "  Platform:   http://$(HOST):$(PORT)/"
	@echo "  Admin:      http://$(HOST):$(PORT)/admin/"
	@echo "  API docs:   http://$(HOST):$(PORT)/api/docs/"
	@echo "  Health:     http://$(HOST):$(PORT)/healthz"
	@echo "  Demo logins (password: $(DEMO_PASSWORD)):"
	@echo "    administrator  admin@demo.local"
	@echo "    researcher     researcher@demo.local"
	@echo "    manufacturer   maker@demo.local"
	@echo ""
	$(PY) manage.py runserver $(HOST):$(PORT)

run: setup serve

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: install
	$(BIN)/mypy .

pytest: install messages
	@pg_isready -q -h localhost -p 5432 || { \
	  echo "PostgreSQL is not answering on localhost:5432. Start it with:"; \
	  echo "  pg_ctlcluster --skip-systemctl-redirect \$$(ls /etc/postgresql) main start"; exit 1; }
	@redis-cli -u $(TEST_REDIS_URL) ping >/dev/null 2>&1 || { \
	  echo "Redis is not answering at $(TEST_REDIS_URL). Start it with:"; \
	  echo "  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no"; exit 1; }
	@test -x "$(CHROMIUM)" || [ -n "$(PYTEST_ARGS)" ] || { \
	  echo "Chromium is missing at $(CHROMIUM); the browser tests (tests/browser) drive it. Install it with:"; \
	  echo "  apt-get install -y chromium"; exit 1; }
	DATABASE_URL=$(TEST_DATABASE_URL) TEST_REDIS_URL=$(TEST_REDIS_URL) CHROMIUM_PATH=$(CHROMIUM) DJANGO_TESTING=true \
	  $(BIN)/pytest $(PYTEST_ARGS)

test: lint typecheck pytest

worker: install
	$(BIN)/celery -A config worker --loglevel=INFO

beat: install
	$(BIN)/celery -A config beat --loglevel=INFO

makemessages: install
	for app in notifications changes accounts catalog procurement search matching alerts plans audit ocds; do \
	  (cd $$app && ../$(PY) ../manage.py makemessages -l zh_Hans --no-obsolete -v 0); done
	$(PY) manage.py makemessages -l zh_Hans --no-obsolete --ignore '.venv' --ignore 'accounts' \
	  --ignore 'catalog' --ignore 'procurement' --ignore 'search' --ignore 'matching' --ignore 'notifications' --ignore 'changes' --ignore 'alerts' --ignore 'plans' --ignore 'audit' --ignore 'ocds' --ignore 'tests' \
	  --ignore 'benchmarks' --ignore 'staticfiles' -v 0

# Each benchmark works in its own PostgreSQL database (bench_catalog, bench_search, bench_matching) and prints
# its figures; together they take about 15 minutes on 2 cores.
bench: install
	$(PY) benchmarks/catalog_import.py
	$(PY) benchmarks/search_api.py
	$(PY) benchmarks/matching_full_run.py
	$(PY) benchmarks/saved_search_eval.py
	$(PY) benchmarks/plan_check.py

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .mypy_cache .pytest_cache .ruff_cache
