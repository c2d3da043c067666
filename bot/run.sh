#!/usr/bin/env bash
# Starts the action server, the clinic page with the chat widget, and the
# Rasa server (REST, socket.io and Twilio channels); Ctrl-C stops them all.
# Run through `make run`, which installs, trains and fills the environment
# from bot/defaults.env first.
set -euo pipefail

VENV=${VENV:-.venv}
MODEL=${MODEL:-models/assistant.tar.gz}
mkdir -p var

# Fail fast, with what to fix, if the conversation store or Redis is down.
"$VENV/bin/python" -m bot.preflight

# The HTTP API (trackers, model) is only opened with a token.
api_args=()
if [ -n "${RASA_API_TOKEN:-}" ]; then
    api_args=(--enable-api --auth-token "$RASA_API_TOKEN")
fi

pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; }
trap cleanup EXIT INT TERM

"$VENV/bin/rasa" run actions --actions actions --port "$ACTION_PORT" &
pids+=($!)
"$VENV/bin/python" -m bot.web_server &
pids+=($!)

announce() {
    until curl -fsS "http://127.0.0.1:$RASA_PORT/" >/dev/null 2>&1; do sleep 1; done
    cat <<MSG

  The clinic assistant is up.
    Website widget: http://localhost:$WEB_PORT
    REST:           curl -s localhost:$RASA_PORT/webhooks/rest/webhook -d '{"sender":"me","message":"how much does it cost?"}'
    Twilio webhook: http://localhost:$RASA_PORT/webhooks/twilio/webhook
    Staff shell:    make shell (in another terminal)
  Stop with Ctrl-C.

MSG
}
announce &
pids+=($!)

# WEB_ORIGINS is a space-separated list: one --cors argument per origin.
# shellcheck disable=SC2086
"$VENV/bin/python" -m bot.rasa_cli run --model "$MODEL" --port "$RASA_PORT" "${api_args[@]}" \
    --endpoints endpoints.yml --credentials credentials.yml --cors $WEB_ORIGINS
