"""Faults a clinic's assistant meets unattended, each on real processes."""

import os
import sqlite3
import stat
import subprocess
import sys
import time

import pytest
import requests

from tests.clinic_webhook import FakeClinicWebhook
from tests.servers import ROOT, Assistant, free_port


@pytest.fixture
def own_assistant(tmp_path):
    """A private pair of servers, since these tests stop and start them."""
    running = Assistant(tmp_path)
    yield running
    running.stop()


def timed_say(assistant, sender, message):
    started = time.monotonic()
    reply = assistant.say(sender, message)
    return [m.get("text", "") for m in reply], time.monotonic() - started


def readiness(assistant):
    answer = requests.get(f"{assistant.url}/webhooks/health/ready", timeout=10)
    return answer.status_code, answer.json()


def test_action_server_down_gets_a_graceful_reply_then_recovers(own_assistant):
    assistant = own_assistant.start(web=False)
    assert readiness(assistant) == (
        200,
        {
            "status": "ready",
            "checks": {"model": "ok", "tracker_store": "ok", "lock_store": "ok", "action_server": "ok"},
        },
    )
    assistant.say("fault-actions", "how much does it cost?")
    assistant.stop_process("actions")
    # A load balancer sees it; Rasa's own / would still say 200.
    status, body = readiness(assistant)
    assert status == 503 and body["checks"]["action_server"] != "ok"
    assert body["checks"]["tracker_store"] == "ok"
    live = requests.get(f"{assistant.url}/webhooks/health/live", timeout=10)
    assert live.status_code == 200

    texts, took = timed_say(assistant, "fault-actions", "yes")  # needs action_booking_link
    assert took < 3
    assert texts == [
        "Sorry, I couldn't finish that just now. Please try again in a moment or call the clinic at +1 555-010-0199."
    ]
    # FAQ answers need no action server at all.
    texts, _ = timed_say(assistant, "fault-actions", "does it hurt")
    assert "local anesthesia" in texts[0]

    assistant.start_actions()
    assert readiness(assistant)[0] == 200
    texts, _ = timed_say(assistant, "fault-actions", "i want to book a consultation")
    assert "/go/book?c=" in texts[0]


def test_first_message_with_the_action_server_never_started(own_assistant):
    """A new conversation's first message needs no action server: neither
    an emergency's reply nor an FAQ answer (with the disclaimer on top)."""
    assistant = own_assistant
    assistant.start_rasa()  # no action server at all

    texts, took = timed_say(assistant, "fault-first-emergency", "my chest hurts and I can't breathe")
    assert took < 3
    assert len(texts) == 1 and "911" in texts[0] and "+1 555-010-0199" in texts[0]

    texts, _ = timed_say(assistant, "fault-first-faq", "does it hurt")
    assert "not medical advice" in texts[0]
    assert "local anesthesia" in texts[1]


def test_rasa_restart_mid_conversation_resumes_from_the_store(own_assistant):
    assistant = own_assistant.start(web=False)
    assistant.say("fault-restart", "book an appointment")
    assistant.say("fault-restart", "yes")
    assert "phone number or email" in timed_say(assistant, "fault-restart", "Ana Silva")[0][0]

    assistant.stop_process("rasa")
    assistant.start_rasa()

    # The call-back form picks up where it was: it still wants the contact.
    texts, _ = timed_say(assistant, "fault-restart", "ana@example.com")
    assert "city" in texts[0]
    texts, _ = timed_say(assistant, "fault-restart", "Boston")
    assert texts[0].startswith("Thanks, Ana Silva!")


def test_clinic_webhook_down_link_still_given_and_lead_kept_for_retry(tmp_path):
    with FakeClinicWebhook() as webhook:
        webhook.mode = "down"
        assistant = Assistant(tmp_path, {"CLINIC_WEBHOOK_URL": webhook.url})
        try:
            assistant.start(web=False)
            for message in ["book an appointment", "yes", "Lee Wong", "lee@example.com"]:
                assistant.say("fault-webhook", message)
            texts, took = timed_say(assistant, "fault-webhook", "Denver")
            assert took < 3 and texts[0].startswith("Thanks, Lee Wong!")
            # The action server tried at once and was refused; only then does
            # the webhook come back (else that first try could deliver it).
            [refused] = webhook.wait_for_attempts(1)
            assert refused["contact"] == "lee@example.com"

            webhook.mode = "ok"
            retry = subprocess.run(
                [sys.executable, "-m", "bot.launch", sys.executable, "-m", "actions.lead_store", "retry"],
                cwd=ROOT,
                env=assistant.env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert "1 of 1 pending alerts and leads delivered" in retry.stdout
            assert webhook.received == [refused]  # the same lead, once
        finally:
            assistant.stop()


def retry_leads(env):
    return subprocess.run(
        [sys.executable, "-m", "bot.launch", sys.executable, "-m", "actions.lead_store", "retry"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_locked_lead_database_loses_no_lead(tmp_path):
    """leads.db held by another process (a long purge, a copy tool): the
    visitor is thanked, the request waits in the spool, and the next
    `make retry-leads` stores and delivers it."""
    with FakeClinicWebhook() as webhook:
        assistant = Assistant(tmp_path, {"CLINIC_WEBHOOK_URL": webhook.url})
        try:
            assistant.start(web=False)
            for message in ["book an appointment", "yes", "Lee Wong", "lee@example.com"]:
                assistant.say("fault-leads-first", message)
            assistant.say("fault-leads-first", "Denver")  # leads.db now exists
            webhook.wait_for(1)

            holder = sqlite3.connect(assistant.leads_db, isolation_level=None)
            holder.execute("BEGIN EXCLUSIVE")
            try:
                for message in ["book an appointment", "yes", "Ana Silva", "(212) 555-0135"]:
                    assistant.say("fault-leads-locked", message)
                texts, _ = timed_say(assistant, "fault-leads-locked", "Boston")
                assert texts[0].startswith("Thanks, Ana Silva! The clinic will get in touch soon")
                [spooled] = assistant.spool.glob("lead-*.json")
                assert stat.S_IMODE(spooled.stat().st_mode) == 0o600
                log = (tmp_path / "actions.log").read_text()
                assert "The lead database could not take a lead" in log
                assert "Ana" not in log and "555-0135" not in log and "2125550135" not in log

                # Cron's run while it is still locked: nothing lost, and it says so.
                waiting = retry_leads(assistant.env)
                assert waiting.returncode == 1
                assert "1 alerts and leads wait in" in waiting.stdout
            finally:
                holder.execute("ROLLBACK")
                holder.close()

            done = retry_leads(assistant.env)
            assert done.returncode == 0, done.stdout + done.stderr
            assert [r["contact"] for r in webhook.received] == ["lee@example.com", "+12125550135"]
            assert list(assistant.spool.glob("*.json")) == []
            with sqlite3.connect(assistant.leads_db) as db:
                assert db.execute("select name, status from leads where contact='+12125550135'").fetchall() == [
                    ("Ana Silva", "delivered")
                ]
        finally:
            assistant.stop()


def test_unreachable_lead_database_fails_fast_with_what_to_fix(tmp_path):
    port = free_port()  # nothing listens there
    env = {
        **os.environ,
        "TRACKER_DB_URL": f"sqlite:///{tmp_path}/tracker.db",
        "LEADS_DB_URL": f"postgresql://clinic:secret@127.0.0.1:{port}/leads",
        "LEADS_SPOOL_DIR": str(tmp_path / "lead-spool"),
        "PYTHON310": sys.executable,
        "RASA_PORT": str(free_port()),
        "ACTION_PORT": str(free_port()),
        "WEB_PORT": str(free_port()),
    }
    run = subprocess.run(
        ["make", "--no-print-directory", "run"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert run.returncode != 0
    assert "Cannot reach the lead database" in run.stderr and "Fix LEADS_DB_URL" in run.stderr
    assert "secret" not in run.stderr + run.stdout


def test_unreachable_tracker_database_fails_fast_with_what_to_fix(tmp_path):
    port = free_port()  # nothing listens there
    env = {
        **os.environ,
        "TRACKER_DB_URL": f"postgresql://clinic:secret@127.0.0.1:{port}/clinic",
        "LEADS_DB_URL": f"sqlite:///{tmp_path}/leads.db",
        "LEADS_SPOOL_DIR": str(tmp_path / "lead-spool"),
        "PYTHON310": sys.executable,
        "RASA_PORT": str(free_port()),
        "ACTION_PORT": str(free_port()),
        "WEB_PORT": str(free_port()),
    }
    started = time.monotonic()
    run = subprocess.run(
        ["make", "--no-print-directory", "run"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert run.returncode != 0
    assert time.monotonic() - started < 60
    assert "Cannot reach the conversation database" in run.stderr
    assert "Fix TRACKER_DB_URL" in run.stderr
    assert "secret" not in run.stderr + run.stdout  # no password in the message


class HungActionServer:
    """An action server that accepts the request and never answers, as one
    stuck on a slow database would (Rasa waits up to 300 s for it)."""

    def __init__(self) -> None:
        import http.server
        import threading

        self.release = threading.Event()
        release = self.release

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                release.wait(60)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()


def test_sms_turn_past_its_budget_gets_an_apology_and_twilio_retry_the_same(tmp_path):
    from tests.twilio_client import TwilioSender, replies

    hung = HungActionServer()
    assistant = Assistant(tmp_path, {"ACTION_SERVER_URL": hung.url, "SMS_TURN_BUDGET_SECONDS": "2"})
    try:
        assistant.start_rasa()
        sms = TwilioSender(f"{assistant.url}/webhooks/twilio/webhook")
        params = sms.params("+12125550199", "i want to book a consultation")  # needs the action server
        first = sms.post(params)
        assert replies(first) == [
            "Sorry, I couldn't finish that just now. Please try again in a moment "
            "or call the clinic at +1 555-010-0199."
        ]
        # Twilio's retry of that message: the same answer, no second turn.
        assert sms.post(params).text == first.text
        # Other texters' FAQ answers need no action server: they come as usual.
        assert any("$3,000" in t for t in sms.text("+12125550198", "how much does it cost?"))
    finally:
        hung.close()
        assistant.stop()
