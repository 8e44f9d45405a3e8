# 花呗协商助手: `make run` sets up everything and starts the app; `make test` runs the suite.
SHELL := /bin/bash
.DEFAULT_GOAL := run

SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk unicode-data redis-server \
                   redis-tools poppler-utils gettext
TEST_SYSTEM_PACKAGES := chromium
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.requirements-installed
HOST ?= 127.0.0.1
PORT ?= 8000
REDIS_URL ?= redis://127.0.0.1:6379/0
STATIC_ROOT ?= staticfiles
# Seconds the address waits for /health/ before saying what is still down (it keeps waiting after that).
HEALTH_WAIT ?= 60
# The server behind it also serves the tests, which use a database of their own (huabei_negotiate/settings_test.py).

.PHONY: run test bench chaos lint system-packages test-system-packages python setup fonts redis readme-packages
# A step that fails half-way leaves no file behind that would look up to date next time.
.DELETE_ON_ERROR:

# Each step of setup runs only when its inputs changed, so that a second `make run` goes straight to migrate
# (about a second when there is nothing to apply) and the servers.
MO_FILES := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/django.po))
# The documents' faces, subset from fonts-noto-cjk to the characters of unicode-data's lists (scripts/subset-fonts);
# made when missing (about a minute), never committed.
FONTS_DIR := static/documents/fonts
SUBSET_FONTS := $(foreach face,sc-Regular sc-Bold tc-Regular tc-Bold,$(FONTS_DIR)/NotoSansCJK$(face)-documents.woff2)
# The directories too: adding, removing or renaming a file changes its directory's time.
STATIC_SOURCES := $(shell find static)
# Rewritten by every collectstatic, so it is the stamp of the last one.
STATIC_MANIFEST := $(STATIC_ROOT)/staticfiles.json

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

# What `manage.py compilemessages` runs, for the catalogues older than their source only.
%.mo: %.po | system-packages
	msgfmt --check-format -o $@ $<

$(SUBSET_FONTS) &: scripts/subset-fonts | system-packages $(STAMP)
	$(PY) scripts/subset-fonts $(FONTS_DIR)

fonts: $(SUBSET_FONTS)

# Static files come from static/ (the subset fonts included: print.css names them) and from the installed packages
# (the requirements stamp); whitenoise's storage compresses and hashes each of them, which takes a while.
$(STATIC_MANIFEST): $(STATIC_SOURCES) $(SUBSET_FONTS) $(STAMP)
	DEBUG=$${DEBUG:-1} $(PY) manage.py collectstatic --noinput -v 0
	@touch $@

setup: system-packages python $(MO_FILES) $(SUBSET_FONTS) $(STATIC_MANIFEST)
	DEBUG=$${DEBUG:-1} $(PY) manage.py migrate --noinput -v 0

redis: system-packages
	@./scripts/redis-ensure "$(REDIS_URL)"

# The address is printed once /health/ reports the database, Redis and the worker up, not before.
run: setup redis
	@mkdir -p run
	@echo "Starting the web server, the worker and beat; the address follows once /health/ answers."
	@$(PY) scripts/announce-when-up "$(HOST)" "$(PORT)" "$(HEALTH_WAIT)" & \
	exec env DEBUG=$${DEBUG:-1} REDIS_URL=$(REDIS_URL) HOST=$(HOST) PORT=$(PORT) $(VENV)/bin/honcho start -f Procfile

# The README lists the same Debian packages as above, word for word.
readme-packages:
	@grep -qF '`$(SYSTEM_PACKAGES)`' README.md && grep -qF '`$(TEST_SYSTEM_PACKAGES)`' README.md || { \
	  echo "README.md must list \`$(SYSTEM_PACKAGES)\` and \`$(TEST_SYSTEM_PACKAGES)\`, as the Makefile does." >&2; exit 1; }

test: readme-packages setup test-system-packages redis
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(PY) manage.py makemigrations --check --dry-run -v 1
	$(VENV)/bin/pytest

# The money engine, the pages and the documents (bench/__main__.py), then 20 users of locust against gunicorn as the
# Procfile runs it (bench/load.py, 20 s a page; LOAD_SECONDS changes that).
bench: setup test-system-packages redis
	$(PY) -m bench
	$(PY) -m bench.load

# Kill a worker mid-render, stop Redis, take the database away, on processes of its own (Redis on CHAOS_REDIS_PORT,
# 6390 by default, never the shared one; a throwaway SQLite file), and print what survived and how long it took.
chaos: setup
	$(PY) -m bench.chaos

lint: readme-packages python
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
