"""The insights figures, exact, with both stores on a real PostgreSQL.

The deployment the README recommends for more than one server keeps the
conversations (TRACKER_DB_URL) and the leads (LEADS_DB_URL) in PostgreSQL:
its types (timestamps without a time zone, JSON held as text, floats) are
not SQLite's, so the same known conversations go in over REST and signed
Twilio webhooks, a booking link is followed, and every figure is read back
from the page and from the report. The days are counted in a time zone far
from UTC (UTC+14), so a timestamp taken in the wrong zone moves a message to
another day, or out of the period.
"""

import datetime as dt
import json
import re
import subprocess
import sys
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import psycopg2
import pytest
import requests

from tests.booking_links import link_in
from tests.clinic_webhook import FakeClinicWebhook
from tests.scale_services import PostgresServer
from tests.servers import ROOT, Assistant
from tests.staff_page import figures_on, staff_page
from tests.twilio_client import TwilioSender, texter_id
from tests.waiting import wait_for

TOKEN = "insights-pg-token-0123456789"
TEXTER = "+12125550188"
ZONE = "Pacific/Kiritimati"  # UTC+14: today there is tomorrow in UTC for ten hours of each day
FALLBACK_WITH_CONTACTS = "blorp wibble fnord 212-555-0142 zork@example.com"


def lead_status(leads_url, sender):
    with psycopg2.connect(leads_url) as db, db.cursor() as cursor:
        cursor.execute("SELECT status FROM leads WHERE sender_id = %s", (sender,))
        row = cursor.fetchone()
    return row[0] if row else None


def age_conversation(tracker_url, sender, hours):
    """As Assistant.age_conversation, on PostgreSQL: Rasa reads each event's
    time from its JSON, the insights from the column; both move."""
    with psycopg2.connect(tracker_url) as db, db.cursor() as cursor:
        cursor.execute("SELECT id, data FROM events WHERE sender_id = %s", (sender,))
        rows = cursor.fetchall()
        assert rows, f"no conversation {sender}"
        for row_id, data in rows:
            event = json.loads(data)
            event["timestamp"] -= hours * 3600
            cursor.execute(
                "UPDATE events SET data = %s, timestamp = %s WHERE id = %s",
                (json.dumps(event), event["timestamp"], row_id),
            )


@pytest.fixture(scope="module")
def clinic(tmp_path_factory):
    """A running assistant on PostgreSQL holding the known conversations."""
    postgres = PostgresServer().start()
    subprocess.run(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-p",
            str(postgres.port),
            "-U",
            "clinic",
            "-d",
            "postgres",
            "-c",
            "CREATE DATABASE clinic_leads",
        ],
        check=True,
        capture_output=True,
    )
    tracker_url = postgres.url
    leads_url = f"postgresql://clinic@127.0.0.1:{postgres.port}/clinic_leads"
    with FakeClinicWebhook() as webhook:
        assistant = Assistant(
            tmp_path_factory.mktemp("insights-pg"),
            {
                "TRACKER_DB_URL": tracker_url,
                "LEADS_DB_URL": leads_url,
                "CLINIC_WEBHOOK_URL": webhook.url,
                "CLINIC_WEBHOOK_TIMEOUT": "1",
                "INSIGHTS_TOKEN": TOKEN,
                "INSIGHTS_TIMEZONE": ZONE,
            },
        )
        try:
            assistant.start(web=False)
            # REST: a question, the booking link (clicked twice), a call-back request.
            assistant.say("pg-r1", "how much does it cost?")
            link1 = link_in(assistant.say("pg-r1", "yes")[0]["text"])
            assistant.say("pg-r1", "yes")
            assistant.say("pg-r1", "Sam Park")
            assistant.say("pg-r1", "sam.park@example.com")
            assert "Thanks, Sam Park!" in assistant.say("pg-r1", "Denver")[0]["text"]
            wait_for(lambda: lead_status(leads_url, "pg-r1") == "delivered", "the REST lead delivered", timeout=30.0)
            # REST: not understood, then "Something else"; an answer given barely.
            assert "did you mean" in assistant.say("pg-r2", FALLBACK_WITH_CONTACTS)[-1]["text"]
            assistant.say("pg-r2", "/out_of_scope")
            assert "months" in " ".join(m["text"] for m in assistant.say("pg-r2", "how long"))
            # REST: two days ago.
            assistant.say("pg-r3", "does it hurt?")
            age_conversation(tracker_url, "pg-r3", hours=48)
            # SMS: a question, the link by option 1 (clicked once), a person, an emergency.
            sms = TwilioSender(f"{assistant.url}/webhooks/twilio/webhook")
            sms.text(TEXTER, "does it hurt?")
            link2 = link_in("\n".join(sms.text(TEXTER, "1")))
            assert "555-010-0199" in " ".join(sms.text(TEXTER, "i want to talk to a human"))
            assert "911" in " ".join(sms.text(TEXTER, "my chest hurts and i can't breathe"))
            for link in (link1, link1, link2):
                followed = requests.get(link, allow_redirects=False, timeout=10)
                assert followed.status_code == 302, followed.text[:300]
            yield assistant, postgres, link2
        finally:
            assistant.stop()
            postgres.stop()


def page(assistant, **query):
    return staff_page(assistant, TOKEN, **query)


# r1: 6 messages (2 typed questions, then the form), r2: 3 (2 questions, a
# button), r3: 1, the texter: 4 (the option "1" is a button).
EXPECTED = {
    "conversations": "4",
    "messages": "14",
    "messages_per_conversation": "3.5",
    "questions": "8",
    "clarifications": "1",
    "given_up": "0",
    "clarification_rate": "12.5%",
    "safety_emergency": "1",
    "safety_self_harm": "0",
    "safety_poisoning": "0",
    "handoffs": "1",
    "links_shown": "3",
    "links_clicked": "2",
    "clicks": "3",
    "leads_created": "1",
    "leads_delivered": "1",
    "leads_pending": "0",
    "leads_parked": "0",
}


def test_every_figure_on_the_page_is_exact_on_postgresql(clinic):
    assistant, _postgres, _link = clinic
    html = page(assistant)
    assert figures_on(html) == EXPECTED
    topics = dict(re.findall(r'<tr data-topic="(\w+)"><td>[^<]*</td><td class="n">(\d+)</td>', html))
    assert topics == {"ask_cost": "1", "ask_pain": "2", "ask_results_timeline": "1"}
    steps = re.findall(r'<tr data-step="\d"><td>([^<]*)</td><td class="n">(\d+)</td>', html)
    assert steps == [
        ("Conversations", "4"),
        ("Asked a question", "4"),
        ("Shown a booking link", "2"),
        ("Clicked it or asked for a call back", "2"),
    ]
    today = dt.datetime.now(ZoneInfo(ZONE)).date()
    days = {
        day: (q, m, r)
        for day, q, m, r in re.findall(
            r'<tr data-day="([\d-]+)"><td>[^<]*</td><td class="n">(\d+)</td><td class="n">(\d+)</td>'
            r'<td class="n">([^<]+)</td>',
            html,
        )
    }
    assert sorted(days) == [(today - dt.timedelta(days=n)).isoformat() for n in range(6, -1, -1)]
    assert days[today.isoformat()] == ("7", "1", "14.3%")
    assert days[(today - dt.timedelta(days=2)).isoformat()] == ("1", "0", "0.0%")
    assert days[(today - dt.timedelta(days=1)).isoformat()] == ("0", "0", "n/a")
    groups = re.findall(
        r'<tr class="miss-group"><td class="n" data-count>(\d+)</td><td><ul class="examples">'
        r'<li>(.*?)</li></ul><span class="note">([^<]*)</span></td><td data-guess="(\w*)">',
        html,
    )
    assert sorted(groups) == [
        ("1", "blorp wibble fnord &lt;phone&gt; &lt;email&gt;", "something else: 1", "out_of_scope"),
        ("1", "how long", "low confidence: 1", "ask_results_timeline"),
    ]


def test_a_channel_and_a_day_narrow_the_figures_on_postgresql(clinic):
    assistant, _postgres, _link = clinic
    sms = figures_on(page(assistant, channel="sms"))
    assert sms == {
        **EXPECTED,
        "conversations": "1",
        "messages": "4",
        "messages_per_conversation": "4.0",
        "questions": "3",
        "clarifications": "0",
        "clarification_rate": "0.0%",
        "links_shown": "1",
        "links_clicked": "1",
        "clicks": "1",
        "leads_created": "0",
        "leads_delivered": "0",
    }
    rest = figures_on(page(assistant, channel="rest"))
    assert rest == {
        **EXPECTED,
        "conversations": "3",
        "messages": "10",
        "messages_per_conversation": "3.3",
        "questions": "5",
        "clarification_rate": "20.0%",
        "safety_emergency": "0",
        "handoffs": "0",
        "links_shown": "2",
        "links_clicked": "1",
        "clicks": "2",
    }
    # The day the aged conversation fell on, in the clinic's time zone: it alone.
    two_days_ago = (dt.datetime.now(ZoneInfo(ZONE)).date() - dt.timedelta(days=2)).isoformat()
    that_day = figures_on(page(assistant, **{"from": two_days_ago, "to": two_days_ago}))
    assert that_day == {
        **{key: "0" for key in EXPECTED},
        "conversations": "1",
        "messages": "1",
        "messages_per_conversation": "1.0",
        "questions": "1",
        "clarification_rate": "0.0%",
    }


def test_the_report_prints_the_same_figures_from_postgresql(clinic):
    assistant, _postgres, _link = clinic
    done = subprocess.run(
        [sys.executable, "-m", "bot.launch", sys.executable, "-m", "insights.report"],
        cwd=ROOT,
        env=assistant.env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    output = done.stdout
    from tests.integration.test_insights_figures import LABELS, reported

    for key, value in EXPECTED.items():
        assert reported(output, LABELS[key]) == value, key
    assert f"({ZONE}), all channels" in output
    assert re.search(r"^ +2  Does it hurt$", output, re.MULTILINE)
    assert re.search(r"^ +2  Clicked it or asked for a call back$", output, re.MULTILINE)
    assert "Unanswered questions (2 messages in 2 groups;" in output
    assert "212-555-0142" not in output and "zork@example.com" not in output
    assert "sam.park" not in output and "5550188" not in output


def test_a_booking_link_click_is_counted_and_reaches_the_booking_page(clinic):
    assistant, postgres, link = clinic
    conversation = texter_id(TEXTER, assistant.env)
    before = figures_on(page(assistant))
    followed = requests.get(link, allow_redirects=False, timeout=10)
    assert followed.status_code == 302
    target = urlsplit(followed.headers["Location"])
    assert parse_qs(target.query)["utm_medium"] == ["twilio"] and parse_qs(target.query)["utm_content"] == ["pain"]
    after = figures_on(page(assistant))
    assert (int(after["clicks"]), after["links_clicked"]) == (int(before["clicks"]) + 1, before["links_clicked"])
    with psycopg2.connect(postgres.url) as db, db.cursor() as cursor:
        cursor.execute(
            "SELECT sender_id, channel, topic FROM booking_clicks WHERE link_id = %s", (link.rsplit("=", 1)[1],)
        )
        assert cursor.fetchall() == [(conversation, "twilio", "pain")] * 2
