"""`make report` and `make review` run through make, as staff and cron run
them, against stores filled by a real assistant that is stopped first: they
read the databases directly and need no server. A store that cannot be read
stops them with a message naming it and a non-zero exit (cron mails it),
creating nothing."""

import re
import socket
import stat
import subprocess
import sys

import pytest
import requests

from tests.booking_links import link_in
from tests.servers import ROOT, Assistant, free_port
from tests.twilio_client import TwilioSender

FALLBACK_WITH_CONTACTS = "blorp wibble fnord 212-555-0142 zork@example.com"
TEXTER = "+12125550166"


def run_make(target, env, *args):
    return subprocess.run(
        ["make", "--no-print-directory", target, *args],
        cwd=ROOT,
        env={**env, "PYTHON310": sys.executable},
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def stores(tmp_path_factory):
    """The environment of an assistant that held known conversations and
    has stopped."""
    assistant = Assistant(tmp_path_factory.mktemp("insights-make"), {"CLINIC_WEBHOOK_URL": ""})
    try:
        assistant.start(web=False)
        # A question and the booking link, clicked once.
        assistant.say("make-1", "how much does it cost?")
        link = link_in(assistant.say("make-1", "yes")[0]["text"])
        assert requests.get(link, allow_redirects=False, timeout=10).status_code == 302
        # Not understood, then "Something else".
        assert "did you mean" in assistant.say("make-2", FALLBACK_WITH_CONTACTS)[-1]["text"]
        assistant.say("make-2", "/out_of_scope")
        # A texter's question.
        TwilioSender(f"{assistant.url}/webhooks/twilio/webhook").text(TEXTER, "does it hurt?")
    finally:
        assistant.stop()
    with pytest.raises(OSError):  # nothing answers where the assistant was
        socket.create_connection(("127.0.0.1", assistant.rasa_port), timeout=2).close()
    return assistant


def reported(output, label):
    found = re.search(rf"^  {re.escape(label)} +(\S+)$", output, re.MULTILINE)
    assert found, f"no {label!r} in the report:\n{output}"
    return found.group(1)


def test_make_report_prints_the_figures_without_a_server(stores):
    done = run_make("report", stores.env)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    output = done.stdout
    # make-1: 2 typed messages; make-2: 1 typed, 1 button; the texter: 1.
    figures = {
        "Conversations": "3",
        "Visitor messages": "5",
        "Messages per conversation": "1.7",
        "Typed questions (buttons and form answers aside)": "4",
        'Asked "did you mean...?"': "1",
        "Fallback and clarification rate": "25.0%",
        "Emergency (911)": "0",
        "Asked for a person": "0",
        "Booking links shown": "1",
        "Booking links clicked": "1",
        "Clicks on booking links": "1",
        "Call-back requests": "0",
    }
    assert {label: reported(output, label) for label in figures} == figures
    assert re.search(r"^ +1  Cost$", output, re.MULTILINE)
    assert re.search(r"^ +1  Does it hurt$", output, re.MULTILINE)
    assert re.search(r"^ +1  Clicked it or asked for a call back$", output, re.MULTILINE)
    assert "Unanswered questions (1 messages in 1 groups;" in output
    assert "blorp wibble fnord <phone> <email>  -> out_of_scope" in output
    assert "212-555-0142" not in output and "5550166" not in output
    # make's own variables narrow it, as the README says.
    sms = run_make("report", stores.env, "CHANNEL=sms")
    assert sms.returncode == 0, sms.stderr[-2000:]
    assert reported(sms.stdout, "Conversations") == "1" and reported(sms.stdout, "Booking links shown") == "0"
    assert "all channels" not in sms.stdout and ", sms" in sms.stdout


def test_make_review_writes_a_private_file_rasas_reader_loads(stores, tmp_path):
    from rasa.shared.nlu.training_data.loading import load_data

    out = tmp_path / "review" / "unanswered.yml"
    done = run_make("review", stores.env, f"OUT={out}")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "1 unanswered messages in 1 groups" in done.stdout and str(out) in done.stdout
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert stat.S_IMODE(out.parent.stat().st_mode) == 0o700
    data = load_data(str(out))
    assert {(m.get("text"), m.get("intent")) for m in data.intent_examples} == {
        ("blorp wibble fnord <phone> <email>", "out_of_scope")
    }
    assert "212-555-0142" not in out.read_text()


@pytest.mark.parametrize("target", ["report", "review"])
def test_a_missing_conversation_store_stops_them_with_a_reason(tmp_path, target):
    env = Assistant(tmp_path).env
    done = run_make(target, env, f"OUT={tmp_path / 'out.yml'}")
    assert done.returncode != 0
    assert (
        f"The conversation store (TRACKER_DB_URL) cannot be read: there is no database at {tmp_path / 'tracker.db'}"
    ) in done.stderr
    assert "Traceback" not in done.stderr
    # Reading created nothing: no empty database a later server would take for the real one.
    assert not (tmp_path / "tracker.db").exists() and not (tmp_path / "out.yml").exists()


@pytest.mark.parametrize("target", ["report", "review"])
def test_an_unreachable_database_stops_them_with_a_reason(tmp_path, target):
    closed = free_port()  # nothing listens there
    env = {**Assistant(tmp_path).env, "TRACKER_DB_URL": f"postgresql://clinic:s3cret-pw@127.0.0.1:{closed}/clinic"}
    done = run_make(target, env, f"OUT={tmp_path / 'out.yml'}")
    assert done.returncode != 0
    assert "The conversation store (TRACKER_DB_URL) cannot be read: OperationalError" in done.stderr
    assert "need no running assistant, but the database must be reachable" in done.stderr
    assert "Traceback" not in done.stderr
    assert "s3cret-pw" not in done.stdout + done.stderr
    assert not (tmp_path / "out.yml").exists()
