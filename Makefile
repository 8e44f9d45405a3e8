# 花呗协商助手: `make run` sets up everything and starts the app; `make test` runs the suite.
SHELL := /bin/bash
.DEFAULT_GOAL := run

SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk redis-server redis-tools \
                   poppler-utils gettext
TEST_SYSTEM_PACKAGES := chromium
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.requirements-installed
HOST ?= 127.0.0.1
PORT ?= 8000
REDIS_URL ?= redis://127.0.0.1:6379/0
# The server behind it also serves the tests, which use a database of their own (huabei_negotiate/settings_test.py).

.PHONY: run test bench lint system-packages test-system-packages python setup redis

# Install the Debian packages that are missing, and only those (the second run is a no-op).
system-packages:
	@./scripts/apt-ensure $(SYSTEM_PACKAGES)

test-system-packages:
	@./scripts/apt-ensure $(TEST_SYSTEM_PACKAGES)

$(PY):
	@PYTHON="$$(./scripts/find-python)" && echo "Using $$PYTHON ($$($$PYTHON --version))" && "$$PYTHON" -m venv $(VENV)

$(STAMP): requirements.txt | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $(STAMP)

python: $(STAMP)

setup: system-packages python
	$(PY) manage.py compilemessages --ignore=.venv -v 0
	DEBUG=$${DEBUG:-1} $(PY) manage.py migrate --noinput -v 0
	DEBUG=$${DEBUG:-1} $(PY) manage.py collectstatic --noinput -v 0

redis: system-packages
	@./scripts/redis-ensure "$(REDIS_URL)"

run: setup redis
	@mkdir -p run
	@echo ""
	@echo "  花呗协商助手 is starting at http://$(HOST):$(PORT)/  (health: http://$(HOST):$(PORT)/health/)"
	@echo "  Stop with Ctrl-C."
	@echo ""
	DEBUG=$${DEBUG:-1} REDIS_URL=$(REDIS_URL) HOST=$(HOST) PORT=$(PORT) $(VENV)/bin/honcho start -f Procfile

test: setup test-system-packages redis
	$(VENV)/bin/ruff check .
	$(PY) manage.py makemigrations --check --dry-run -v 1
	$(VENV)/bin/pytest

bench: setup test-system-packages redis
	$(PY) -m bench

lint: python
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
