"""GET /go/book: a known link counted and sent on with its tracking, an
unknown or hostile id sent to the booking page and counted nowhere, and the
server answering throughout. Against a real Rasa server and action server."""

import sqlite3
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.booking_links import link_in
from tests.servers import Assistant

BOOKING_PAGE = "https://www.yourhairclinic.com/"
HOSTILE_IDS = [
    "' OR '1'='1' --",
    "x'; DROP TABLE booking_clicks; --",
    "<script>alert(1)</script>",
    "abc\r\nSet-Cookie: stolen=1",
    "../../etc/passwd",
    "https://evil.example/",
    "//evil.example",
    "%00%0d%0a",
    "é" * 40,
    "A" * 5000,
]


@pytest.fixture(scope="module")
def assistant(tmp_path_factory):
    running = Assistant(tmp_path_factory.mktemp("redirect"), {"CLINIC_WEBHOOK_URL": ""})
    try:
        yield running.start(web=False)
    finally:
        running.stop()


def clicks(assistant):
    with sqlite3.connect(assistant.tracker_db) as db:
        return db.execute("select link_id, sender_id, channel, topic from booking_clicks order by id").fetchall()


def go(assistant, link_id, **options):
    return requests.get(f"{assistant.url}/go/book", params={"c": link_id}, allow_redirects=False, timeout=10, **options)


def test_a_known_link_is_counted_and_sent_on_with_its_tracking(assistant):
    assistant.say("redirect-known", "how much does it cost?")
    link = link_in(assistant.say("redirect-known", "yes")[0]["text"])
    link_id = parse_qs(urlsplit(link).query)["c"][0]
    answer = requests.get(link, allow_redirects=False, timeout=10)
    assert answer.status_code == 302
    target = answer.headers["Location"]
    assert target.startswith(BOOKING_PAGE + "?")
    assert parse_qs(urlsplit(target).query) == {
        "utm_source": ["assistant"],
        "utm_medium": ["rest"],
        "utm_campaign": ["free_assessment"],
        "utm_content": ["cost"],
    }
    assert answer.headers["Cache-Control"] == "no-store"
    assert (link_id, "redirect-known", "rest", "cost") in clicks(assistant)


def test_an_unknown_link_still_reaches_the_booking_page_and_counts_nothing(assistant):
    before = clicks(assistant)
    for link_id in ("NoSuchLink123", ""):
        answer = go(assistant, link_id)
        assert answer.status_code == 302
        assert answer.headers["Location"].startswith(BOOKING_PAGE + "?")
        assert "utm_source=assistant" in answer.headers["Location"]
    assert requests.get(f"{assistant.url}/go/book", allow_redirects=False, timeout=10).status_code == 302
    assert clicks(assistant) == before


def test_injection_attempts_reach_the_booking_page_and_change_nothing(assistant):
    before = clicks(assistant)
    for link_id in HOSTILE_IDS:
        answer = go(assistant, link_id)
        assert answer.status_code == 302, link_id
        target = answer.headers["Location"]
        assert target.startswith(BOOKING_PAGE + "?"), (link_id, target)
        assert "evil" not in target and "script" not in target and "\n" not in target
        assert "stolen" not in answer.headers.get("Set-Cookie", "")
    # A raw CRLF in the query, as no library would send it.
    import socket

    with socket.create_connection(("127.0.0.1", assistant.rasa_port), timeout=10) as raw:
        raw.sendall(
            b"GET /go/book?c=abc%0d%0aLocation:%20https://evil.example/ HTTP/1.1\r\n"
            b"Host: 127.0.0.1\r\nConnection: close\r\n\r\n"
        )
        reply = b""
        while chunk := raw.recv(4096):
            reply += chunk
    head = reply.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    assert head.startswith("HTTP/1.1 302")
    assert [line for line in head.split("\r\n") if line.lower().startswith("location:")] == [
        line for line in head.split("\r\n") if line.lower().startswith("location: " + BOOKING_PAGE)
    ]
    assert clicks(assistant) == before
    with sqlite3.connect(assistant.tracker_db) as db:
        assert db.execute("select count(*) from booking_links").fetchone()[0] >= 1
    # Still up, and still counting real clicks.
    assistant.say("redirect-after", "how much does it cost?")
    link = link_in(assistant.say("redirect-after", "yes")[0]["text"])
    assert requests.get(link, allow_redirects=False, timeout=10).status_code == 302
    assert clicks(assistant)[-1][1:] == ("redirect-after", "rest", "cost")


def test_forgetting_a_conversation_forgets_its_links_and_clicks(assistant):
    import subprocess
    import sys

    from tests.servers import ROOT

    assistant.say("redirect-forget", "how much does it cost?")
    link = link_in(assistant.say("redirect-forget", "yes")[0]["text"])
    requests.get(link, allow_redirects=False, timeout=10)
    assert any(row[1] == "redirect-forget" for row in clicks(assistant))
    done = subprocess.run(
        [sys.executable, "-m", "bot.launch", sys.executable, "-m", "bot.ops.privacy", "forget", "redirect-forget"],
        cwd=ROOT,
        env=assistant.env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    with sqlite3.connect(assistant.tracker_db) as db:
        for table in ("booking_links", "booking_clicks"):
            assert db.execute(f"select count(*) from {table} where sender_id = 'redirect-forget'").fetchone() == (0,)
        assert db.execute("select count(*) from booking_clicks where sender_id = 'redirect-known'").fetchone()[0]
    # The link now leads to the booking page, counted nowhere.
    assert requests.get(link, allow_redirects=False, timeout=10).headers["Location"].startswith(BOOKING_PAGE)
