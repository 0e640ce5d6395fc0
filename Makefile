# Two commands: `make run` (serve the demo) and `make test` (the whole gate).
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export DJANGO_SETTINGS_MODULE ?= cycling.settings.base

.PHONY: run test screenshots install install-dev migrate demo worker beat messages gpx-demo backup-drill clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# --no-compile: Python compiles a module when it is first imported; compiling all 1.1 GB of the
# installed packages up front took 20-30 s of a fresh install (issue 26)
$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet --no-compile -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet --no-compile -r requirements-dev.txt
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

migrate: install
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py load_demo

run: demo
	@echo "Serving on http://127.0.0.1:$(PORT)  (tasks run inline unless REDIS_URL is set)"
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

test: install-dev
	$(BIN)/python scripts/testenv.py $(PYTEST_ARGS)

# the browser suite with full-page screenshots in var/screenshots (make test takes the first screen)
screenshots: install-dev
	SCREENSHOTS=full $(BIN)/python scripts/testenv.py -m browser -n 2 --dist worksteal

worker: install
	@test -n "$$REDIS_URL" || { echo "Set REDIS_URL to run a worker (without it tasks run inline)"; exit 1; }
	$(BIN)/celery -A cycling worker --loglevel=INFO

beat: install
	@test -n "$$REDIS_URL" || { echo "Set REDIS_URL to run the scheduler"; exit 1; }
	mkdir -p var
	$(BIN)/celery -A cycling beat --loglevel=INFO --schedule var/celerybeat-schedule

# the restore drill (docs/operations.md): back up into var/backups/<time>, restore into a scratch
# database and compare every table and file; fails on any difference
BACKUP_DIR ?= var/backups/$(shell date -u +%Y%m%dT%H%M%SZ)
backup-drill: install
	$(BIN)/python manage.py backup $(BACKUP_DIR)
	$(BIN)/python manage.py restore_check $(BACKUP_DIR)

messages: install-dev
	$(BIN)/python manage.py makemessages -l zh_Hans --no-obsolete -i .venv -i var -i staticfiles -i tests -i bench -i scripts -i demo
	$(BIN)/python manage.py compilemessages -l zh_Hans --ignore .venv

gpx-demo: install
	$(BIN)/python scripts/make_demo_gpx.py

clean:
	rm -rf $(VENV) var staticfiles
