"""The insights figures, exact, on the staff page and in `make report`.

Known conversations go in through the real channels (REST, signed Twilio
webhooks, the widget's socket.io) to a real Rasa server and action server;
booking links are followed over HTTP as a browser would; the clinic's
webhook is a local stand-in, up for one call-back request and down for the
other. Every figure is then read back from the page (HTTP, with the token)
and from the report command, and must be exactly what these conversations
make.
"""

import asyncio
import datetime as dt
import re
import sqlite3
import subprocess
import sys
import uuid

import pytest
import requests

from tests.booking_links import link_in
from tests.clinic_webhook import FakeClinicWebhook
from tests.servers import ROOT, Assistant
from tests.staff_page import figures_on, staff_page
from tests.twilio_client import TwilioSender, texter_id
from tests.waiting import wait_for
from tests.widget_client import close, open_session, wait_for_text

TOKEN = "insights-test-token-0123456789"
TEXTER = "+12125550177"
WIDGET = uuid.uuid4().hex
FALLBACK_WITH_CONTACTS = "blorp wibble fnord 212-555-0142 zork@example.com"


def lead_status(assistant, sender):
    with sqlite3.connect(assistant.leads_db) as db:
        row = db.execute("select status from leads where sender_id = ?", (sender,)).fetchone()
    return row[0] if row else None


async def widget_conversation(assistant, webhook):
    client, received, _errors = await open_session(assistant, WIDGET)

    async def say(text, wanted):
        before = len(received)
        await client.emit("user_uttered", {"message": text, "session_id": WIDGET})
        await wait_for_text(received, wanted, after=before)
        return received[before:]

    await say("what about my dad", "did you mean")
    await say("/ask_cost", "$3,000 to $10,000")
    await say("/affirm", "Book my free assessment")
    await say("/affirm", "What's your name?")
    await say("Ana Ruiz", "phone number or email")
    await say("ana.ruiz@example.com", "which city")
    webhook.mode = "down"
    thanks = await say("Austin", "Thanks, Ana Ruiz!")
    await say("i want to end my life", "988")
    await close(client)
    return thanks


@pytest.fixture(scope="module")
def clinic(tmp_path_factory):
    """A running assistant holding the known conversations."""
    with FakeClinicWebhook() as webhook:
        assistant = Assistant(
            tmp_path_factory.mktemp("insights"),
            {
                "CLINIC_WEBHOOK_URL": webhook.url,
                "CLINIC_WEBHOOK_TIMEOUT": "1",
                "INSIGHTS_TOKEN": TOKEN,
            },
        )
        try:
            assistant.start(web=False)
            # REST: a question, the booking link (clicked twice), a call-back request.
            assistant.say("insights-r1", "how much does it cost?")
            link1 = link_in(assistant.say("insights-r1", "yes")[0]["text"])
            assistant.say("insights-r1", "yes")
            assistant.say("insights-r1", "Sam Park")
            assistant.say("insights-r1", "sam.park@example.com")
            thanks = assistant.say("insights-r1", "Denver")[0]["text"]
            assert "Thanks, Sam Park!" in thanks and link_in(thanks)
            wait_for(lambda: lead_status(assistant, "insights-r1") == "delivered", "the REST lead delivered")
            for _ in range(2):
                assert requests.get(link1, allow_redirects=False, timeout=10).status_code == 302
            # Not a visitor clicking: a HEAD, a messaging app's link preview, an unknown id.
            requests.head(link1, timeout=10)
            requests.get(link1, allow_redirects=False, timeout=10, headers={"User-Agent": "facebookexternalhit/1.1"})
            requests.get(f"{assistant.url}/go/book?c=NoSuchLink123", allow_redirects=False, timeout=10)
            # REST: not understood, then "Something else"; an answer given barely.
            assert "did you mean" in assistant.say("insights-r2", FALLBACK_WITH_CONTACTS)[-1]["text"]
            assistant.say("insights-r2", "/out_of_scope")
            assert "months" in " ".join(m["text"] for m in assistant.say("insights-r2", "how long"))
            # REST: two days ago.
            assistant.say("insights-r3", "does it hurt?")
            assistant.age_conversation("insights-r3", hours=48)
            # SMS: a question, the link by option 1 (clicked once), a person, an emergency.
            sms = TwilioSender(f"{assistant.url}/webhooks/twilio/webhook")
            sms.text(TEXTER, "does it hurt?")
            link3 = link_in("\n".join(sms.text(TEXTER, "1")))
            assert "555-010-0199" in " ".join(sms.text(TEXTER, "i want to talk to a human"))
            assert "911" in " ".join(sms.text(TEXTER, "my chest hurts and i can't breathe"))
            assert requests.get(link3, allow_redirects=False, timeout=10).status_code == 302
            # The widget: not understood, a topic picked, booking, a call-back
            # request the clinic's webhook does not take, a self-harm message.
            asyncio.run(widget_conversation(assistant, webhook))
            wait_for(lambda: webhook.attempts >= 2, "the widget lead tried")
            wait_for(lambda: lead_status(assistant, WIDGET) == "pending", "the widget lead pending")
            yield assistant
        finally:
            assistant.stop()


def page(clinic, **query):
    return staff_page(clinic, TOKEN, **query)


def report(clinic, *args):
    done = subprocess.run(
        [sys.executable, "-m", "bot.launch", sys.executable, "-m", "insights.report", *args],
        cwd=ROOT,
        env=clinic.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def reported(output, label):
    found = re.search(rf"^  {re.escape(label)} +(\S+)$", output, re.MULTILINE)
    assert found, f"no {label!r} in the report:\n{output}"
    return found.group(1)


ALL_CHANNELS = {
    "conversations": "5",
    "messages": "22",
    "messages_per_conversation": "4.4",
    "questions": "10",
    "clarifications": "2",
    "given_up": "0",
    "clarification_rate": "20.0%",
    "safety_emergency": "1",
    "safety_self_harm": "1",
    "safety_poisoning": "0",
    "handoffs": "1",
    "links_shown": "5",
    "links_clicked": "2",
    "clicks": "3",
    "leads_created": "2",
    "leads_delivered": "1",
    "leads_pending": "1",
    "leads_parked": "0",
}
LABELS = {
    "conversations": "Conversations",
    "messages": "Visitor messages",
    "messages_per_conversation": "Messages per conversation",
    "questions": "Typed questions (buttons and form answers aside)",
    "clarifications": 'Asked "did you mean...?"',
    "given_up": "Not understood twice (fallback)",
    "clarification_rate": "Fallback and clarification rate",
    "safety_emergency": "Emergency (911)",
    "safety_self_harm": "Self-harm (988)",
    "safety_poisoning": "Poisoning (Poison Control)",
    "handoffs": "Asked for a person",
    "links_shown": "Booking links shown",
    "links_clicked": "Booking links clicked",
    "clicks": "Clicks on booking links",
    "leads_created": "Call-back requests",
    "leads_delivered": "...delivered to the clinic",
    "leads_pending": "...waiting to be delivered",
    "leads_parked": "...refused by the clinic's webhook (need a person)",
}


def test_every_figure_on_the_page_is_exact(clinic):
    html = page(clinic)
    assert figures_on(html) == ALL_CHANNELS
    topics = dict(re.findall(r'<tr data-topic="(\w+)"><td>[^<]*</td><td class="n">(\d+)</td>', html))
    assert topics == {"ask_cost": "2", "ask_pain": "2", "ask_results_timeline": "1"}
    steps = re.findall(r'<tr data-step="\d"><td>([^<]*)</td><td class="n">(\d+)</td>', html)
    assert steps == [
        ("Conversations", "5"),
        ("Asked a question", "5"),
        ("Shown a booking link", "3"),
        ("Clicked it or asked for a call back", "3"),
    ]
    today = dt.datetime.now(dt.timezone.utc).date()
    days = dict(
        (day, (q, m, r))
        for day, q, m, r in re.findall(
            r'<tr data-day="([\d-]+)"><td>[^<]*</td><td class="n">(\d+)</td><td class="n">(\d+)</td>'
            r'<td class="n">([^<]+)</td>',
            html,
        )
    )
    assert len(days) == 7
    assert days[today.isoformat()] == ("9", "2", "22.2%")
    assert days[(today - dt.timedelta(days=2)).isoformat()] == ("1", "0", "0.0%")
    assert days[(today - dt.timedelta(days=1)).isoformat()] == ("0", "0", "n/a")


def test_the_unanswered_questions_are_listed_grouped_and_masked(clinic):
    html = page(clinic)
    groups = re.findall(
        r'<tr class="miss-group"><td class="n" data-count>(\d+)</td><td><ul class="examples">'
        r'(.*?)</ul><span class="note">([^<]*)</span></td><td data-guess="(\w*)">',
        html,
    )
    listed = {re.sub(r"</?li>", "", examples): (count, kinds, guess) for count, examples, kinds, guess in groups}
    assert listed == {
        "blorp wibble fnord &lt;phone&gt; &lt;email&gt;": ("1", "something else: 1", "out_of_scope"),
        "how long": ("1", "low confidence: 1", "ask_results_timeline"),
        "what about my dad": ("1", "topic picked: 1", "ask_cost"),
    }
    assert "212-555-0142" not in html and "zork@example.com" not in html
    assert "ana.ruiz" not in html and "sam.park" not in html and "5550177" not in html


def test_a_channel_and_a_period_narrow_the_figures(clinic):
    sms = figures_on(page(clinic, channel="sms"))
    assert sms == {
        **ALL_CHANNELS,
        "conversations": "1",
        "messages": "4",
        "messages_per_conversation": "4.0",
        "questions": "3",
        "clarifications": "0",
        "clarification_rate": "0.0%",
        "safety_self_harm": "0",
        "links_shown": "1",
        "links_clicked": "1",
        "clicks": "1",
        "leads_created": "0",
        "leads_delivered": "0",
        "leads_pending": "0",
    }
    widget = figures_on(page(clinic, channel="widget"))
    assert widget == {
        **ALL_CHANNELS,
        "conversations": "1",
        "messages": "8",
        "messages_per_conversation": "8.0",
        "questions": "2",
        "clarifications": "1",
        "clarification_rate": "50.0%",
        "safety_emergency": "0",
        "handoffs": "0",
        "links_shown": "2",
        "links_clicked": "0",
        "clicks": "0",
        "leads_created": "1",
        "leads_delivered": "0",
    }
    today = dt.datetime.now(dt.timezone.utc).date().isoformat()
    today_only = figures_on(page(clinic, **{"from": today, "to": today}))
    assert today_only == {
        **ALL_CHANNELS,
        "conversations": "4",
        "messages": "21",
        "messages_per_conversation": "5.2",
        "questions": "9",
        "clarification_rate": "22.2%",
    }


def test_the_report_prints_the_same_figures(clinic):
    output = report(clinic)
    for key, value in ALL_CHANNELS.items():
        assert reported(output, LABELS[key]) == value, key
    assert re.search(r"^ +2  Cost$", output, re.MULTILINE)
    assert re.search(r"^ +2  Does it hurt$", output, re.MULTILINE)
    assert re.search(r"^ +1  When results show$", output, re.MULTILINE)
    assert re.search(r"^ +3  Clicked it or asked for a call back$", output, re.MULTILINE)
    assert "Unanswered questions (3 messages in 3 groups;" in output
    assert "212-555-0142" not in output and "zork@example.com" not in output
    sms = report(clinic, "--channel", "sms")
    assert reported(sms, "Conversations") == "1" and reported(sms, "Emergency (911)") == "1"


def test_the_report_refuses_a_bad_period_with_a_reason(clinic):
    done = subprocess.run(
        [sys.executable, "-m", "bot.launch", sys.executable, "-m", "insights.report", "--from", "2026-13-01"],
        cwd=ROOT,
        env=clinic.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "from must be a date written YYYY-MM-DD" in done.stderr


def test_the_texter_is_never_named_by_number(clinic):
    conversation = texter_id(TEXTER, clinic.env)
    with sqlite3.connect(clinic.tracker_db) as db:
        rows = db.execute("select sender_id, channel, topic from booking_links").fetchall()
        clicks = db.execute("select sender_id, channel from booking_clicks").fetchall()
    assert (conversation, "twilio", "pain") in rows
    assert (conversation, "twilio") in clicks
    assert not any("5550177" in str(row) for row in rows + clicks)


def test_make_review_exports_what_rasas_own_reader_loads(clinic, tmp_path):
    from rasa.shared.nlu.training_data.loading import load_data

    out = tmp_path / "review" / "unanswered.yml"
    done = subprocess.run(
        [sys.executable, "-m", "bot.launch", sys.executable, "-m", "insights.review", "--out", str(out)],
        cwd=ROOT,
        env=clinic.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "3 unanswered messages in 3 groups" in done.stdout
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    data = load_data(str(out))
    examples = {(m.get("text"), m.get("intent")) for m in data.intent_examples}
    assert examples == {
        ("blorp wibble fnord <phone> <email>", "out_of_scope"),
        ("how long", "ask_results_timeline"),
        ("what about my dad", "ask_cost"),
    }
    assert not data.entity_examples
    # The page offers the same file.
    served = requests.get(
        f"{clinic.url}/webhooks/insights/review.yml", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60
    )
    assert served.status_code == 200 and "attachment" in served.headers["Content-Disposition"]
    assert served.text == out.read_text()
