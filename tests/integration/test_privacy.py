"""Visitors' data: forgetting a person, retention, and the locked HTTP API."""
import os
import sqlite3
import subprocess
import sys
import time

import pytest
import requests

from tests.servers import ROOT, Assistant
from tests.twilio_client import TwilioSender, texter_id


def run_make(target, env, *args):
    return subprocess.run(["make", "--no-print-directory", target, *args], cwd=ROOT,
                          env={**env, "PYTHON310": sys.executable},
                          capture_output=True, text=True, timeout=300)


def count(db, sql, *params):
    with sqlite3.connect(db) as connection:
        return connection.execute(sql, params).fetchone()[0]


def events_of(a, sender):
    return count(a.tracker_db, "select count(*) from events where sender_id=?", sender)


def leads_of(a, contact):
    return count(a.leads_db, "select count(*) from leads where contact=?", contact)


@pytest.fixture(scope="module")
def private_assistant(tmp_path_factory):
    running = Assistant(tmp_path_factory.mktemp("privacy"), {"RASA_API_TOKEN": "test-token"})
    running.start(web=False)
    yield running
    running.stop()


def lead_conversation(assistant, sender, contact):
    for message in ["book an appointment", "yes", "Sam Park", contact, "Austin"]:
        assistant.say(sender, message)


def test_forget_by_email_deletes_conversation_and_lead(private_assistant):
    a = private_assistant
    lead_conversation(a, "web-visitor-1", "sam@example.com")
    a.say("someone-else", "how much does it cost?")
    assert leads_of(a, "sam@example.com") == 1

    result = run_make("forget", a.env, "WHO=sam@example.com")
    assert result.returncode == 0, result.stderr
    assert leads_of(a, "sam@example.com") == 0
    assert events_of(a, "web-visitor-1") == 0
    assert events_of(a, "someone-else") > 0


def test_forget_by_phone_deletes_the_texters_hashed_conversation(private_assistant):
    a = private_assistant
    sms = TwilioSender(f"{a.url}/webhooks/twilio/webhook")
    sms.text("+12125550190", "what are the risks")
    sms.text("+12125550191", "what are the risks")
    texter = texter_id("+12125550190", a.env)
    other = texter_id("+12125550191", a.env)
    assert events_of(a, texter) > 0
    result = run_make("forget", a.env, "WHO=(212) 555-0190")
    assert result.returncode == 0, result.stderr
    assert events_of(a, texter) == 0 and events_of(a, other) > 0


def test_forget_needs_someone():
    result = run_make("forget", dict(os.environ))
    assert result.returncode != 0 and "usage: make forget WHO=" in result.stdout


def test_purge_deletes_only_what_is_older_than_retention(private_assistant):
    a = private_assistant
    lead_conversation(a, "old-visitor", "old@example.com")
    a.say("new-visitor", "does it hurt")
    old = time.time() - 91 * 86400
    with sqlite3.connect(a.tracker_db) as db:
        db.execute("update events set timestamp=? where sender_id='old-visitor'", (old,))
    with sqlite3.connect(a.leads_db) as db:
        db.execute("update leads set created_at='2020-01-01 00:00:00' where contact='old@example.com'")

    result = run_make("purge", {**a.env, "RETENTION_DAYS": "90"})
    assert result.returncode == 0, result.stderr
    assert events_of(a, "old-visitor") == 0
    assert leads_of(a, "old@example.com") == 0
    assert events_of(a, "new-visitor") > 0


def test_purge_keeps_leads_the_clinic_has_not_received(private_assistant):
    a = private_assistant
    lead_conversation(a, "waiting-visitor", "waiting@example.com")  # no webhook: stays pending
    with sqlite3.connect(a.leads_db) as db:
        db.execute("update leads set created_at='2020-01-01 00:00:00' where contact='waiting@example.com'")
    # A webhook is set (and down): the clinic has not seen this lead.
    result = run_make("purge", {**a.env, "RETENTION_DAYS": "90", "CLINIC_WEBHOOK_URL": "http://127.0.0.1:9/leads"})
    assert result.returncode == 0, result.stderr
    assert "'kept_undelivered': 1" in result.stdout
    assert leads_of(a, "waiting@example.com") == 1


def test_http_api_requires_the_token(private_assistant):
    a = private_assistant
    a.say("api-check", "hi")
    url = f"{a.url}/conversations/api-check/tracker"
    assert requests.get(url, timeout=10).status_code == 401
    assert requests.get(url, params={"token": "wrong"}, timeout=10).status_code == 401
    assert requests.get(url, params={"token": "test-token"}, timeout=10).status_code == 200
