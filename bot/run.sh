#!/usr/bin/env bash
# Starts the action server and the Rasa server; Ctrl-C stops both.
# Run through `make run`, which installs, trains and fills the environment
# from bot/defaults.env first.
set -euo pipefail

VENV=${VENV:-.venv}
MODEL=${MODEL:-models/assistant.tar.gz}
mkdir -p var

"$VENV/bin/rasa" run actions --actions actions --port "$ACTION_PORT" &
actions_pid=$!
trap 'kill "$actions_pid" 2>/dev/null || true' EXIT INT TERM

announce() {
    until curl -fsS "http://127.0.0.1:$RASA_PORT/" >/dev/null 2>&1; do sleep 1; done
    cat <<MSG

  The clinic assistant is up.
    REST:    curl -s localhost:$RASA_PORT/webhooks/rest/webhook -d '{"sender":"me","message":"how much does it cost?"}'
    Actions: http://127.0.0.1:$ACTION_PORT/health
  Stop with Ctrl-C.

MSG
}
announce &

"$VENV/bin/rasa" run --model "$MODEL" --port "$RASA_PORT" \
    --endpoints endpoints.yml --credentials credentials.yml
