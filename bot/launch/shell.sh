#!/usr/bin/env bash
# Staff testing: an action server of its own in the background, `rasa shell`
# in front. It runs beside `make run` (its own ports), and in test mode by
# default: its own conversation and lead databases under var/shell/, and no
# clinic webhook, so staff tests never reach the clinic. `make shell REAL=1`
# tests the real path (the configured stores and webhook).
set -euo pipefail

VENV=${VENV:-.venv}
MODEL=${MODEL:-models/assistant.tar.gz}
mkdir -p -m 700 var var/shell

export ACTION_PORT="$SHELL_ACTION_PORT"
export ACTION_SERVER_URL="http://127.0.0.1:$SHELL_ACTION_PORT/webhook"
if [ "${REAL:-0}" != "1" ]; then
    export TRACKER_DB_URL="sqlite:///var/shell/tracker.db"
    export LEADS_DB_URL="sqlite:///var/shell/leads.db"
    export CLINIC_WEBHOOK_URL=""
    echo "Test mode: conversations and call-back requests stay in var/shell/; nothing is sent to the clinic."
    echo "(make shell REAL=1 uses the configured stores and webhook.)"
else
    echo "REAL mode: call-back requests go to the clinic's database and webhook."
    "$VENV/bin/python" -m bot.ops.preflight
fi

SANIC_HOST=127.0.0.1 "$VENV/bin/rasa" run actions --actions actions --port "$ACTION_PORT" >var/shell/actions.log 2>&1 &
actions_pid=$!
# However the shell ends (/stop, Ctrl-C, Ctrl-D, an error), the action server
# goes with it, and is gone before this script exits.
trap 'kill "$actions_pid" 2>/dev/null || true; wait "$actions_pid" 2>/dev/null || true' EXIT INT TERM
until curl -fsS "http://127.0.0.1:$ACTION_PORT/health" >/dev/null 2>&1; do
    kill -0 "$actions_pid" 2>/dev/null || { cat var/shell/actions.log; exit 1; }
    sleep 0.5
done

# On this machine only: Rasa's default (0.0.0.0) would let anyone on the
# network talk to the shell's assistant and, with REAL=1, file leads.
"$VENV/bin/python" -m bot.launch.rasa_cli shell --model "$MODEL" \
    --endpoints endpoints.yml --interface 127.0.0.1 --port "$SHELL_PORT"
