# Lotse — `make run` starts everything, `make test` checks everything. See README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENVS     := .venvs
APP       := $(VENVS)/app
RASA      := $(VENVS)/rasa
APP_PY    := $(APP)/bin/python
LOTSE     := $(APP)/bin/lotse
RASA_BIN  := $(RASA)/bin/rasa
PYTHON310  = $(shell scripts/find-python310)
PYTHON312  = $(shell scripts/find-python312)

.PHONY: help setup browser services audio-tools audio run chat train lint test test-unit test-e2e validate rasa-test catalogs lock clean \
        bench-eligibility bench-roundtrip bench-load bench-handoff bench-dashboard nlu-report safety-report answers-report

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

# --- environments: the app on Python 3.12, Rasa on 3.10 (Rasa 3.6 supports no newer; decision 18) --
$(APP)/.installed: requirements/app.lock pyproject.toml
	@py="$(PYTHON312)"; [ -n "$$py" ] || exit 1; \
	version='import sys; print(*sys.version_info[:2], sep=".")'; \
	if [ -x $(APP_PY) ] && [ "$$($(APP_PY) -c "$$version")" != "$$("$$py" -c "$$version")" ]; then \
	  echo "→ the app environment is on Python $$($(APP_PY) -c "$$version"); replacing it"; rm -rf $(APP); fi; \
	[ -x $(APP_PY) ] || { echo "→ creating the app environment with $$py"; "$$py" -m venv $(APP); }
	$(APP)/bin/pip install --quiet --disable-pip-version-check -r requirements/app.lock
	$(APP)/bin/pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $@

$(RASA)/.installed: requirements/rasa.lock
	@py="$(PYTHON310)"; [ -n "$$py" ] || exit 1; \
	echo "→ creating the Rasa environment with $$py (TensorFlow: about 2 minutes, 2.7 GB)"; \
	[ -x $(RASA)/bin/python ] || "$$py" -m venv $(RASA)
	$(RASA)/bin/pip install --quiet --disable-pip-version-check -r requirements/rasa.lock
	@touch $@

setup: $(APP)/.installed $(RASA)/.installed  ## create both environments (once; again when a lock file changes)

browser:  ## Debian's chromium for the browser tests (apt-get, when missing)
	@scripts/ensure-chromium

services:  ## Debian's PostgreSQL and Redis for the database tests, which start their own servers (apt-get, when missing)
	@scripts/ensure-services

audio-tools:  ## Debian's espeak-ng and opus-tools, for questions read aloud (apt-get, when missing)
	@scripts/ensure-audio

audio: setup audio-tools  ## pre-render every prompt in every language with a voice; report recordings missing or outdated
	$(APP_PY) -m bot.audio $(ARGS)

lock:  ## re-resolve the lock files from pyproject.toml and requirements/rasa.in
	$(APP)/bin/pip install --quiet -e '.[test,lint]'
	$(APP)/bin/pip freeze --exclude-editable > requirements/app.lock
	$(RASA)/bin/pip install --quiet -r requirements/rasa.in
	$(RASA)/bin/pip freeze --exclude-editable > requirements/rasa.lock

# --- running ---------------------------------------------------------------------------------
train: setup  ## train the Rasa model when its training data changed (and only then)
	$(LOTSE) train

run: setup  ## start Rasa, the action server, the Telegram gateway and the staff inbox (Ctrl-C stops all)
	$(LOTSE) run

chat: setup  ## talk to Lotse in this terminal, without Telegram
	$(LOTSE) chat

# --- checking --------------------------------------------------------------------------------
validate: setup  ## rasa data validate, failing on warnings
	$(RASA_BIN) data validate --fail-on-warnings \
	  --config nlu_data/config.yml --domain nlu_data/domain --data nlu_data/data

lint: setup  ## ruff and mypy over the code (settings in pyproject.toml)
	$(APP)/bin/ruff check .
	$(APP_PY) -m mypy

test-unit: setup audio-tools  ## fast tests: parsers, form validation, eligibility, catalogs (no servers)
	$(APP_PY) -m pytest -m "not e2e" -q

rasa-test: train  ## the Rasa test stories against the trained model
	$(LOTSE) rasa-test

test-e2e: train browser audio-tools  ## end to end: fake Telegram Bot API → gateway → Rasa → actions → database
	$(APP_PY) -m pytest -m e2e -q

test: setup lint browser services audio-tools validate train  ## everything CI runs
	$(APP_PY) -m pytest -q
	$(LOTSE) rasa-test

bench-eligibility: setup  ## profile-evaluations per second of every programme, 10,000 generated profiles, one core
	$(APP_PY) benchmarks/bench_eligibility.py

bench-roundtrip: train  ## message round trip (p50/p95) over whole intakes through the real stack, and memory per process
	$(APP_PY) -m benchmarks.bench_roundtrip

USERS ?= 100
TURNS ?= 20
STACK ?= sqlite
bench-load: train services  ## USERS people at once, TURNS turns each (RATE: offering that many turns/s in all, else each at once), on each STACK (sqlite,pg1,pg2,pg3 or all) and bare Rasa: turns/s, latency, lost, memory
	$(APP_PY) -m benchmarks.bench_load --users $(USERS) --turns $(TURNS) --stack $(STACK) $(if $(RATE),--rate $(RATE))

bench-handoff: train browser  ## handoff: last answer → staff-chat notice, staff reply → delivery (p50/p95)
	$(APP_PY) -m benchmarks.bench_handoff

bench-dashboard: setup  ## dashboard render time (p50/p95) with 100,000 demo intakes on SQLite, and the demo-data time
	$(APP_PY) -m benchmarks.bench_dashboard

nlu-report: setup  ## intent/entity F1 per language on the held-out sets, against Rasa's default pipeline
	$(APP_PY) benchmarks/nlu_report.py

answers-report: train  ## free-text answers per question and language: understood, confirmed, asked again, stored wrongly (ARGS="--show none --reasons")
	$(APP_PY) benchmarks/answers_report.py $(ARGS)

safety-report: setup  ## crisis detection per language on the held-out set, time per message (ARGS=--summary: tables only; --cross-validate, --lexicon-only)
	$(APP_PY) benchmarks/safety_report.py $(ARGS)

clean:  ## remove environments, models and local data
	rm -rf $(VENVS) models var

# --- translations ----------------------------------------------------------------------------
LANGUAGES := de en ar fa ps ku ckb ti so tr uk ru fr

catalogs: $(APP)/.installed  ## extract texts into locales/lotse.pot and merge them into every language's .po
	$(APP)/bin/pybabel extract -F babel.cfg --sort-by-file --project Lotse --copyright-holder Lotse \
	  --msgid-bugs-address "" -o locales/lotse.pot . > /dev/null
	@for lang in $(LANGUAGES); do \
	  po=locales/$$lang/LC_MESSAGES/lotse.po; \
	  if [ -f $$po ]; then $(APP)/bin/pybabel update -i locales/lotse.pot -d locales -D lotse -l $$lang --ignore-obsolete >/dev/null; \
	  else $(APP)/bin/pybabel init -i locales/lotse.pot -d locales -D lotse -l $$lang >/dev/null; fi; \
	done
