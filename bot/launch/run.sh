#!/usr/bin/env bash
# Starts the Rasa server (REST, socket.io and Twilio channels) and, unless
# RUN_ACTION_SERVER=false or RUN_DEMO_PAGE=false, the action server and the
# clinic page with the chat widget (each Rasa server of a scaled-out
# deployment runs with both false). Ctrl-C or SIGTERM (a supervisor,
# `docker stop`) stops them all; if one of them dies, the others are stopped
# too and this exits non-zero, so a supervisor can restart it whole rather
# than leave it half-working.
# Run through `make run`, which installs, trains and fills the environment
# from clinic_common/defaults.env first.
set -euo pipefail

VENV=${VENV:-.venv}
MODEL=${MODEL:-models/assistant.tar.gz}
# The data folder is the service user's alone (clinic_common/database.py keeps it so).
mkdir -p -m 700 var

# Fail fast, with what to fix, if the conversation store or Redis is down.
"$VENV/bin/python" -m bot.ops.preflight

# Development listens on this machine only; production on RASA_HOST.
if [ "${CLINIC_ENV:-development}" = "production" ]; then
    rasa_host=${RASA_HOST:-0.0.0.0}
else
    rasa_host=${RASA_HOST:-127.0.0.1}
fi

servers=()  # when one of these exits, everything stops
helpers=()
cleanup() {
    trap - EXIT INT TERM
    kill "${servers[@]}" "${helpers[@]}" 2>/dev/null || true
    wait "${servers[@]}" "${helpers[@]}" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

if [ "$RUN_ACTION_SERVER" = true ]; then
    SANIC_HOST="$ACTION_HOST" "$VENV/bin/rasa" run actions --actions actions --port "$ACTION_PORT" &
    servers+=($!)
fi
if [ "$RUN_DEMO_PAGE" = true ]; then
    "$VENV/bin/python" -m bot.demo_page.web_server &
    servers+=($!)
    page_line="    Website widget: http://localhost:$WEB_PORT"
else
    page_line="    Website widget: not served here (RUN_DEMO_PAGE=false)"
fi

# The staff page opens only with a token (INSIGHTS_TOKEN); say so rather
# than point at a page that will refuse everyone.
if [ -n "${INSIGHTS_TOKEN:-}" ]; then
    insights_line="http://localhost:$RASA_PORT/webhooks/insights/ (sign in with INSIGHTS_TOKEN)"
else
    insights_line="closed until INSIGHTS_TOKEN is set (.env)"
fi

announce() {
    # Up means ready: the model, the stores and the action server all answer.
    until curl -fsS "http://127.0.0.1:$RASA_PORT/webhooks/health/ready" >/dev/null 2>&1; do sleep 1; done
    cat <<MSG

  The clinic assistant is up ($CLINIC_ENV; Rasa listens on $rasa_host).
$page_line
    REST:           curl -s localhost:$RASA_PORT/webhooks/rest/webhook -d '{"sender":"me","message":"how much does it cost?"}'
    Twilio webhook: http://localhost:$RASA_PORT/webhooks/twilio/webhook
    Health:         http://localhost:$RASA_PORT/webhooks/health/ready (and /live)
    Staff shell:    make shell (in another terminal)
    Staff page:     $insights_line
  Stop with Ctrl-C.

MSG
}
announce &
announcer=$!

# The HTTP API opens when RASA_API_TOKEN is set, inside bot.launch.rasa_cli: the
# token never goes on a command line, where `ps` shows it.
# WEB_ORIGINS is a space-separated list: one --cors argument per origin.
# shellcheck disable=SC2086
"$VENV/bin/python" -m bot.launch.rasa_cli run --model "$MODEL" --interface "$rasa_host" --port "$RASA_PORT" \
    --endpoints endpoints.yml --credentials credentials.yml --cors $WEB_ORIGINS &
servers+=($!)
helpers+=("$announcer")

# `make run` under a supervisor: SIGTERM reaches make, which does not pass
# it on. When the parent that started this is gone, stop as if signalled.
parent=$PPID
( while kill -0 "$parent" 2>/dev/null; do sleep 1; done; kill -TERM $$ 2>/dev/null ) &
helpers+=($!)

# Signals interrupt `wait` at once (a foreground command would delay them
# until it ended); it also returns when any server exits. A stop asked for
# (Ctrl-C, SIGTERM) is no failure: say so and exit 0, even when a server,
# signalled too, exits before this shell runs its trap. Any other exit of a
# server is one.
stop_requested=""
trap 'stop_requested=interrupt' INT
trap 'stop_requested=terminate' TERM
status=0
[ -n "$stop_requested" ] || wait -n "${servers[@]}" || status=$?
if [ -n "$stop_requested" ]; then
    echo "Stopped." >&2
    exit 0
fi
echo "A server stopped (exit $status): stopping the others." >&2
exit $(( status == 0 ? 1 : status ))
