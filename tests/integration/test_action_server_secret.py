"""The action server's shared secret (ACTION_SERVER_TOKEN), on real servers.

The attack it stops: a conversation made up by hand and POSTed straight to
the action server's /webhook, asking for action_submit_lead, stored a lead
that went to the clinic. The made-up call here is a real recorded call-back
conversation (tests/fixtures/trackers), so it is exactly what Rasa sends.
"""

import os
import sqlite3
import subprocess
import sys
import uuid

import pytest
import rasa_sdk
import requests
import yaml

from tests.servers import BIN, ROOT, Assistant, free_port
from tests.trackers import tracker_before_action

TOKEN = f"action-token-{uuid.uuid4().hex}"
HEADER = "X-Action-Server-Token"
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text())


@pytest.fixture(scope="module")
def guarded(tmp_path_factory):
    running = Assistant(tmp_path_factory.mktemp("guarded"), {"ACTION_SERVER_TOKEN": TOKEN})
    try:
        yield running.start(web=False)
    finally:
        running.stop()


def made_up_call(sender):
    state = tracker_before_action("lead_form", "action_submit_lead").current_state()
    state["sender_id"] = sender
    return {
        "next_action": "action_submit_lead",
        "sender_id": sender,
        "tracker": state,
        "domain": DOMAIN,
        "version": rasa_sdk.__version__,
    }


def leads_of(assistant, sender):
    if not assistant.leads_db.exists():
        return 0
    with sqlite3.connect(assistant.leads_db) as db:
        tables = {row[0] for row in db.execute("select name from sqlite_master where type='table'")}
        if "leads" not in tables:
            return 0
        return db.execute("select count(*) from leads where sender_id=?", (sender,)).fetchone()[0]


def test_a_made_up_call_without_the_token_is_refused_and_stores_no_lead(guarded):
    actions = f"http://127.0.0.1:{guarded.action_port}"
    for headers in ({}, {HEADER: "a-guess"}):
        refused = requests.post(f"{actions}/webhook", json=made_up_call("made-up"), headers=headers, timeout=10)
        assert refused.status_code == 401 and HEADER in refused.json()["error"]
    assert requests.get(f"{actions}/actions", timeout=10).status_code == 401
    assert requests.get(f"{actions}/health", timeout=10).status_code == 200  # for load balancers
    assert leads_of(guarded, "made-up") == 0

    log = (guarded.workdir / "actions.log").read_text()
    assert f"Refused a call to the action server (POST /webhook) from 127.0.0.1: {HEADER} missing" in log
    assert f"Refused a call to the action server (POST /webhook) from 127.0.0.1: {HEADER} wrong" in log
    assert "a-guess" not in log and TOKEN not in log

    # The very same call with the token stores the lead: the token alone kept it out.
    accepted = requests.post(f"{actions}/webhook", json=made_up_call("made-up"), headers={HEADER: TOKEN}, timeout=30)
    assert accepted.status_code == 200 and leads_of(guarded, "made-up") == 1


def test_rasa_sends_the_token_on_its_own_calls(guarded):
    replies = [
        guarded.say("with-token", m) for m in ["book an appointment", "yes", "Ana Silva", "ana@example.com", "Boston"]
    ]
    assert replies[-1][0]["text"].startswith("Thanks, Ana Silva!")
    assert leads_of(guarded, "with-token") == 1
    ready = requests.get(f"{guarded.url}/webhooks/health/ready", timeout=10)
    assert ready.status_code == 200 and ready.json()["checks"]["action_server"] == "ok"


def test_readiness_names_a_token_that_differs_between_the_servers(tmp_path):
    assistant = Assistant(tmp_path, {"ACTION_SERVER_TOKEN": "the-action-servers"})
    try:
        assistant.start_actions()
        assistant.env["ACTION_SERVER_TOKEN"] = "another-one"
        assistant.start_rasa()
        ready = requests.get(f"{assistant.url}/webhooks/health/ready", timeout=10)
        assert ready.status_code == 503
        assert "refused ACTION_SERVER_TOKEN" in ready.json()["checks"]["action_server"]
    finally:
        assistant.stop()


def production(tmp_path, **settings):
    return {
        **os.environ,
        "CLINIC_ENV": "production",
        "TRACKER_DB_URL": f"sqlite:///{tmp_path}/tracker.db",
        "TWILIO_AUTH_TOKEN": "real-twilio",
        "SMS_SENDER_HASH_KEY": "real-key",
        "SMS_NUMBER_KEY": "real-number-key",
        "CLINIC_WEBHOOK_SECRET": "real-secret",
        "ACTION_SERVER_TOKEN": "",
        **settings,
    }


def preflight(env):
    return subprocess.run(
        [sys.executable, "-m", "bot.launch", sys.executable, "-m", "bot.ops.preflight"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_needs_the_token_once_the_action_server_listens_beyond_this_machine(tmp_path):
    exposed = preflight(production(tmp_path, ACTION_HOST="0.0.0.0"))
    assert exposed.returncode == 2
    assert "action server listening on 0.0.0.0 and no ACTION_SERVER_TOKEN" in exposed.stderr
    assert preflight(production(tmp_path, ACTION_HOST="127.0.0.1")).returncode == 0
    assert preflight(production(tmp_path, ACTION_HOST="0.0.0.0", ACTION_SERVER_TOKEN="random")).returncode == 0
    # A Rasa server that starts no action server (scale-out) is not held to it.
    assert preflight(production(tmp_path, ACTION_HOST="0.0.0.0", RUN_ACTION_SERVER="false")).returncode == 0

    # Started on its own (a scale-out machine), the action server checks too.
    port = free_port()
    alone = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot.launch",
            str(BIN / "rasa"),
            "run",
            "actions",
            "--actions",
            "actions",
            "--port",
            str(port),
        ],
        cwd=ROOT,
        env=production(tmp_path, SANIC_HOST="0.0.0.0"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert alone.returncode != 0
    assert "no ACTION_SERVER_TOKEN" in alone.stdout + alone.stderr
