#!/usr/bin/env bash
# Staff testing: the action server in the background, `rasa shell` in front.
set -euo pipefail

VENV=${VENV:-.venv}
MODEL=${MODEL:-models/assistant.tar.gz}
mkdir -p var

SANIC_HOST="$ACTION_HOST" "$VENV/bin/rasa" run actions --actions actions --port "$ACTION_PORT" >var/actions-shell.log 2>&1 &
actions_pid=$!
trap 'kill "$actions_pid" 2>/dev/null || true' EXIT INT TERM
until curl -fsS "http://127.0.0.1:$ACTION_PORT/health" >/dev/null 2>&1; do sleep 0.5; done

"$VENV/bin/python" -m bot.rasa_cli shell --model "$MODEL" --endpoints endpoints.yml --port "$RASA_PORT"
