"""Visitors' data: forgetting a person, retention, and the locked HTTP API."""

import os
import sqlite3
import subprocess
import sys
import time

import pytest
import requests

from tests.clinic_webhook import FakeClinicWebhook
from tests.servers import ROOT, Assistant
from tests.twilio_client import TwilioSender, texter_id


def run_make(target, env, *args):
    return subprocess.run(
        ["make", "--no-print-directory", target, *args],
        cwd=ROOT,
        env={**env, "PYTHON310": sys.executable},
        capture_output=True,
        text=True,
        timeout=300,
    )


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


def stored_text(a, *senders):
    """Every stored event of these conversations, as stored."""
    marks = ",".join("?" * len(senders))
    with sqlite3.connect(a.tracker_db) as db:
        return "\n".join(row[0] for row in db.execute(f"select data from events where sender_id in ({marks})", senders))


def test_forget_by_phone_reaches_a_form_left_half_way_and_a_number_typed_anywhere(private_assistant):
    """No lead was ever stored: the number is only in what the visitor typed."""
    a = private_assistant
    for message in ["book an appointment", "yes", "Sam Park", "(212) 555-0177"]:
        a.say("half-way", message)  # then leaves before the city
    a.say("said-in-passing", "hi")
    a.say("said-in-passing", "you can reach me on 212.555.0177 tomorrow")
    a.say("other-number", "my number is 212 555 0178")
    assert "555-0177" in stored_text(a, "half-way") and "555.0177" in stored_text(a, "said-in-passing")

    found = run_make("find", a.env, "WHO=+1 212 555 0177")
    assert found.returncode == 0, found.stderr
    assert "'conversations': 2" in found.stdout
    assert "conversations: half-way, said-in-passing\n" in found.stdout
    assert "of which 2 conversations found by what was typed in them" in found.stdout
    assert events_of(a, "half-way") > 0  # find deletes nothing

    result = run_make("forget", a.env, "WHO=+1 212 555 0177")
    assert result.returncode == 0, result.stderr
    assert events_of(a, "half-way") == 0 and events_of(a, "said-in-passing") == 0
    assert events_of(a, "other-number") > 0
    with sqlite3.connect(a.tracker_db) as db:
        everything = "\n".join(row[0] for row in db.execute("select data from events"))
    assert "0177" not in everything and "Sam Park" not in everything
    assert "Twilio keeps its own log of texts with this number" in result.stdout


def test_forget_by_email_finds_it_as_typed_in_any_case(private_assistant):
    a = private_assistant
    for message in ["book an appointment", "yes", "Kim Lee", "Email me at Kim.Lee@Example.com please"]:
        a.say("email-half-way", message)
    a.say("lookalike", "write to tim.lee@example.com.au")
    result = run_make("forget", a.env, "WHO=kim.lee@example.com")
    assert result.returncode == 0, result.stderr
    assert events_of(a, "email-half-way") == 0 and events_of(a, "lookalike") > 0


def test_forget_a_texter_deletes_the_replies_kept_for_twilio_retries(private_assistant):
    a = private_assistant
    sms = TwilioSender(f"{a.url}/webhooks/twilio/webhook")
    for message in ["book an appointment", "yes"]:
        sms.text("+12125550192", message)
    assert "Thanks, Robin Diaz." in sms.text("+12125550192", "Robin Diaz")[0]
    sms.text("+12125550193", "what are the risks")
    with sqlite3.connect(a.tracker_db) as db:
        assert db.execute("select count(*) from sms_replies where reply like '%Robin Diaz%'").fetchone()[0] == 1
        others = db.execute(
            "select count(*) from sms_replies where sender_id=?", (texter_id("+12125550193", a.env),)
        ).fetchone()[0]

    result = run_make("forget", a.env, "WHO=212-555-0192")
    assert result.returncode == 0, result.stderr
    assert "'sms_replies': 3" in result.stdout
    with sqlite3.connect(a.tracker_db) as db:
        assert db.execute("select count(*) from sms_replies where reply like '%Robin%'").fetchone()[0] == 0
        assert (
            db.execute(
                "select count(*) from sms_replies where sender_id=?", (texter_id("+12125550193", a.env),)
            ).fetchone()[0]
            == others
            == 1
        )


def test_forget_says_what_it_cannot_reach_delivered_copies_and_backups(private_assistant):
    a = private_assistant
    lead_conversation(a, "delivered-visitor", "dana@example.com")
    with FakeClinicWebhook() as webhook:
        sent = run_make("retry-leads", {**a.env, "CLINIC_WEBHOOK_URL": webhook.url})
        assert sent.returncode == 0, sent.stdout + sent.stderr
    lead_id = [r["lead_id"] for r in webhook.received if r.get("contact") == "dana@example.com"]
    assert run_make("backup", a.env).returncode == 0

    result = run_make("forget", a.env, "WHO=dana@example.com")
    assert result.returncode == 0, result.stderr
    assert leads_of(a, "dana@example.com") == 0
    report = result.stdout.split("Out of this command's reach:")[1]
    assert f"Already delivered to the clinic's webhook: lead {lead_id[0]} on " in report
    assert "Delete those copies in the clinic's own system too." in report
    assert f"1 backups in {a.backups}" in report and "BACKUP_KEEP_DAYS" in report
    assert "Twilio" not in report  # an email: no texts


def test_forget_refuses_the_clinics_own_phone(private_assistant):
    a = private_assistant
    a.say("clinic-phone-check", "i want to talk to a person")  # the reply gives the clinic's phone
    result = run_make("forget", a.env, "WHO=+1 555-010-0199")
    assert result.returncode != 0 and "the clinic's own phone or email" in result.stderr
    assert events_of(a, "clinic-phone-check") > 0


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


def test_purge_deletes_sms_replies_after_a_day_even_when_no_text_comes(private_assistant):
    a = private_assistant
    sms = TwilioSender(f"{a.url}/webhooks/twilio/webhook")
    sms.text("+12125550194", "how much does it cost")
    sms.text("+12125550195", "does it hurt")
    yesterday = texter_id("+12125550194", a.env)
    with sqlite3.connect(a.tracker_db) as db:
        db.execute("update sms_replies set claimed_at='2020-01-01 00:00:00' where sender_id=?", (yesterday,))
    result = run_make("purge", {**a.env, "RETENTION_DAYS": "90"})
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(a.tracker_db) as db:
        left = [row[0] for row in db.execute("select sender_id from sms_replies")]
    assert yesterday not in left and texter_id("+12125550195", a.env) in left


def test_purge_deletes_backups_older_than_their_keep_days(private_assistant):
    a = private_assistant
    assert run_make("backup", a.env).returncode == 0
    listed = run_make("backups", a.env).stdout
    assert listed.count("made ") >= 1
    kept = run_make("purge", {**a.env, "BACKUP_KEEP_DAYS": "30"})
    assert "'backups': 0" in kept.stdout
    gone = run_make("purge", {**a.env, "BACKUP_KEEP_DAYS": "0"})
    assert gone.returncode == 0 and "'backups': 0" not in gone.stdout
    assert run_make("backups", a.env).stdout.count("made ") == 0


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
