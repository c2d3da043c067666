"""The README's scaled-out layout, run for real: two Rasa servers started
with `make run` (RUN_ACTION_SERVER=false, and the demo page on one only),
one action server (`make actions`), PostgreSQL and Redis, behind Debian's
nginx running deploy/nginx.conf as deploy/render_nginx.py fills it in.

It proves that every conversation is shared without loss, that REST, Twilio
and the widget's socket.io (WebSocket upgrade, sticky sessions) work through
the proxy, and that a server which loses its database or Redis refuses to
serve (an apology with the clinic's phone, or the safety reply to an urgent
message; readiness failing) instead of keeping conversations in memory, then
resumes where the conversation was.
"""

import asyncio
import json
import re
import subprocess
import time
from collections import defaultdict
from pathlib import Path
from typing import Dict, List, Tuple

import aiohttp
import psycopg2
import pytest
import requests
from playwright.sync_api import expect

from tests.integration.test_widget_browser import Visitor, browser  # noqa: F401 (a fixture)
from tests.scale_services import NginxServer, PostgresServer, RedisServer, render_nginx
from tests.servers import ROOT, MakeTarget, free_port
from tests.twilio_client import TwilioSender, replies
from tests.widget_client import close, open_session, wait_for_text

CONVERSATIONS = 30
TURNS = [
    "hi",
    "how much does it cost?",
    "does it hurt",
    "yes",
    "no thanks",
    "is it fda approved",
    "what are the risks",
    "i want to book a consultation",
    "no",
    "thanks",
]
APOLOGY = "Sorry, I couldn't finish that just now. Please try again in a moment or call the clinic at +1 555-010-0199."
URGENT = "my chest hurts and I can't breathe"
EMERGENCY_REPLY = (
    "This could be a medical emergency. Please call 911 now, or go to the nearest emergency room. "
    "If you had a treatment recently, also tell the clinic's clinician at +1 555-010-0199."
)
ASKS_NAME = "What's your name?"
ASKS_CONTACT = "What phone number or email should the clinic use?"
ASKS_CITY = "which city"


class Replica:
    """One Rasa server of the cluster, started with `make run`."""

    def __init__(self, name: str, workdir: Path, shared: Dict[str, str], demo_page: bool) -> None:
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.address = f"127.0.0.1:{self.port}"  # as nginx's log names it
        self.page_url = shared["WEB_ORIGINS"]
        self.web_port = int(self.page_url.rsplit(":", 1)[1]) if demo_page else free_port()
        self.log = workdir / f"{name}.log"
        self.make = MakeTarget(
            "run",
            {
                **shared,
                "RASA_PORT": str(self.port),
                "RUN_ACTION_SERVER": "false",
                "RUN_DEMO_PAGE": "true" if demo_page else "false",
                "WEB_PORT": str(self.web_port),
            },
            self.log,
        )

    def say(self, sender: str, message: str) -> List[Dict]:
        answer = requests.post(
            f"{self.url}/webhooks/rest/webhook", json={"sender": sender, "message": message}, timeout=30
        )
        assert answer.status_code == 200, answer.text
        return answer.json()

    def readiness(self) -> Tuple[int, Dict]:
        answer = requests.get(f"{self.url}/webhooks/health/ready", timeout=10)
        return answer.status_code, answer.json()

    def wait_until_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while self.readiness()[0] != 200:
            assert time.monotonic() < deadline, f"{self.name} not ready: {self.readiness()}"
            time.sleep(0.3)


def texts_of(reply: List[Dict]) -> List[str]:
    return [message.get("text", "") for message in reply]


def say_via(proxy: NginxServer, sender: str, message: str) -> List[str]:
    answer = requests.post(
        f"{proxy.url}/webhooks/rest/webhook", json={"sender": sender, "message": message}, timeout=30
    )
    assert answer.status_code == 200, answer.text
    return texts_of(answer.json())


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("scale")
    postgres = PostgresServer().start()
    redis = RedisServer().start()
    proxy_port, action_port, page_port = free_port(), free_port(), free_port()
    shared = {
        "TRACKER_DB_URL": postgres.url,
        "LEADS_DB_URL": postgres.url,
        "LOCK_STORE_TYPE": "redis",
        "REDIS_HOST": "127.0.0.1",
        "REDIS_PORT": str(redis.port),
        "ACTION_PORT": str(action_port),
        "ACTION_SERVER_URL": f"http://127.0.0.1:{action_port}/webhook",
        # The widget's page (on the first server) reaches Rasa through the proxy.
        "WEB_ORIGINS": f"http://127.0.0.1:{page_port}",
        "RASA_PUBLIC_URL": f"http://127.0.0.1:{proxy_port}",
        "TRUSTED_PROXIES": "127.0.0.1",
    }
    actions = MakeTarget("actions", shared, workdir / "actions.log")
    first = Replica("first", workdir, shared, demo_page=True)
    second = Replica("second", workdir, shared, demo_page=False)
    proxy = None
    try:
        # All at once: a Rasa server announces itself only once the action
        # server answers too.
        for process in (actions, first.make, second.make):
            process.start()
        first.make.wait_for_line("The clinic assistant is up")
        second.make.wait_for_line("The clinic assistant is up")
        proxy = NginxServer(
            render_nginx([first.address, second.address], f"127.0.0.1:{proxy_port}"), proxy_port
        ).start()
        yield first, second, proxy, postgres, redis
    finally:
        if proxy:
            proxy.stop()
        for process in (second.make, first.make, actions):
            process.stop()
        redis.stop()
        postgres.stop()


async def talk(servers):
    answered = defaultdict(list)
    failures = []

    async def conversation(n, session):
        sender = f"scale-{n}"
        for turn, message in enumerate(TURNS):
            server = servers[turn % 2]  # every turn on the other server
            async with session.post(
                f"{server.url}/webhooks/rest/webhook", json={"sender": sender, "message": message}
            ) as response:
                body = await response.json()
                if response.status == 200 and body and APOLOGY not in texts_of(body):
                    answered[sender].append(message)
                else:
                    failures.append((sender, message, response.status, body))

    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        await asyncio.gather(*(conversation(n, session) for n in range(CONVERSATIONS)))
    return answered, failures


def user_texts(postgres: PostgresServer, sender: str) -> List[str]:
    with psycopg2.connect(postgres.url) as db, db.cursor() as cursor:
        cursor.execute("SELECT data FROM events WHERE sender_id = %s AND type_name = 'user' ORDER BY id", (sender,))
        return [json.loads(row[0])["text"] for row in cursor.fetchall()]


def test_two_servers_share_every_conversation_without_loss(cluster):
    first, second, _, postgres, redis = cluster
    answered, failures = asyncio.run(talk([first, second]))
    # Every turn took and released a conversation lock in Redis.
    stats = subprocess.run(
        ["redis-cli", "-p", str(redis.port), "info", "commandstats"], capture_output=True, text=True
    ).stdout
    lock_writes = int(re.search(r"cmdstat_set:calls=(\d+)", stats).group(1))
    assert lock_writes >= CONVERSATIONS * len(TURNS)
    assert failures == []
    assert len(answered) == CONVERSATIONS and all(turns == TURNS for turns in answered.values())

    with psycopg2.connect(postgres.url) as db, db.cursor() as cursor:
        cursor.execute(
            "SELECT sender_id, type_name, timestamp, data FROM events WHERE sender_id LIKE 'scale-%' ORDER BY id"
        )
        rows = cursor.fetchall()
    by_sender = defaultdict(list)
    for sender, kind, timestamp, data in rows:
        by_sender[sender].append((kind, timestamp, data))
    assert len(by_sender) == CONVERSATIONS
    for sender, events in by_sender.items():
        texts = [json.loads(d)["text"] for k, _, d in events if k == "user"]
        assert texts == TURNS, sender  # all there, once, in order
        stamps = [t for _, t, _ in events]
        assert stamps == sorted(stamps), sender  # stored in the order they happened
        assert sum(k == "bot" for k, _, _ in events) >= len(TURNS), sender
        assert sum(k == "session_started" for k, _, _ in events) == 1, sender


def test_on_postgresql_a_phone_number_leaves_the_conversation_once_stored(cluster):
    first, second, _, postgres, _ = cluster
    sender = "scale-scrub"
    for turn, message in enumerate(["book an appointment", "yes", "Kim Park", "212-555-0166", "Boston"]):
        reply = first.say(sender, message) if turn % 2 else second.say(sender, message)
    assert "Thanks, Kim Park!" in reply[0]["text"]
    with psycopg2.connect(postgres.url) as db, db.cursor() as cursor:
        cursor.execute("SELECT data FROM events WHERE sender_id = %s", (sender,))
        stored = [row[0] for row in cursor.fetchall()]
    assert stored and not any("555-0166" in data or "2125550166" in data for data in stored)


def test_on_postgresql_forget_finds_a_number_typed_into_a_form_left_half_way(cluster):
    first, second, _, postgres, _ = cluster
    for turn, message in enumerate(["book an appointment", "yes", "Kim Park", "(212) 555-0167"]):
        (first if turn % 2 else second).say("scale-half-way", message)
    first.say("scale-other", "my number is 212 555 0168")
    # As an operator runs it on a host of the deployment, with its settings.
    forgotten = subprocess.run(
        ["make", "--no-print-directory", "forget", "WHO=212.555.0167"],
        cwd=ROOT,
        env=first.make.env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert forgotten.returncode == 0, forgotten.stderr
    assert "of which 1 conversations found by what was typed in them" in forgotten.stdout
    with psycopg2.connect(postgres.url) as db, db.cursor() as cursor:
        cursor.execute("SELECT sender_id, data FROM events WHERE sender_id IN ('scale-half-way', 'scale-other')")
        rows = cursor.fetchall()
    assert {sender for sender, _ in rows} == {"scale-other"}
    assert not any("0167" in data for _, data in rows)


def test_each_server_starts_only_what_its_settings_ask_for(cluster):
    first, second, _, _, _ = cluster
    # RUN_ACTION_SERVER=false on both: else they would fight `make actions`
    # for its port and stop. The demo page runs where RUN_DEMO_PAGE=true only.
    assert requests.get(first.page_url, timeout=10).ok
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{second.web_port}/", timeout=10)
    assert "Website widget: not served here (RUN_DEMO_PAGE=false)" in second.log.read_text()
    assert f"Website widget: http://localhost:{first.web_port}" in first.log.read_text()


def test_through_the_proxy_rest_reaches_both_servers_and_nothing_else_is_public(cluster):
    first, second, proxy, postgres, _ = cluster
    sender = "proxy-rest"
    assert any(ASKS_NAME in t for t in say_via(proxy, sender, "book an appointment") + say_via(proxy, sender, "yes"))
    assert any(ASKS_CONTACT in t for t in say_via(proxy, sender, "Ada Byron"))
    assert any(ASKS_CITY in t for t in say_via(proxy, sender, "ada@example.com"))
    rest = [upstream for method, path, _, upstream in proxy.requests() if path == "/webhooks/rest/webhook"]
    assert set(rest[-4:]) == {first.address, second.address}
    assert user_texts(postgres, sender) == ["book an appointment", "yes", "Ada Byron", "ada@example.com"]

    # Readiness names internal hosts: the load balancer asks each server, not the public.
    assert requests.get(f"{proxy.url}/webhooks/health/ready", timeout=10).status_code == 404
    assert requests.get(f"{proxy.url}/conversations/{sender}/tracker", timeout=10).status_code == 404


def test_twilio_signatures_hold_through_the_proxy(cluster):
    first, _, proxy, _, _ = cluster
    public = f"{proxy.url}/webhooks/twilio/webhook"  # the URL set in Twilio's console
    texts = TwilioSender(public).text("+12125550147", "how much does it cost?")
    assert any("$3,000" in t for t in texts)

    # The same signed request, sent past the proxy: the server sees its own
    # URL, which is not the one Twilio signed.
    past_proxy = TwilioSender(f"{first.url}/webhooks/twilio/webhook", configured_url=public)
    assert past_proxy.post(past_proxy.params("+12125550147", "hi")).status_code == 403
    # A client's own X-Forwarded-Host never reaches the servers: nginx sets it.
    forged = TwilioSender(
        public,
        configured_url="https://evil.example/webhooks/twilio/webhook",
        headers={"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"},
    )
    assert forged.post(forged.params("+12125550147", "hi")).status_code == 403
    twilio = [status for _, path, status, _ in proxy.requests() if path == "/webhooks/twilio/webhook"]
    assert twilio[-2:] == [200, 403]


def test_without_its_database_a_server_refuses_to_serve_then_resumes_the_conversation(cluster):
    first, second, proxy, postgres, _ = cluster
    sender = "outage-db"
    say_via(proxy, sender, "book an appointment")
    assert any(ASKS_NAME in t for t in say_via(proxy, sender, "yes"))
    postgres.halt()
    try:
        for replica in (first, second):
            status, body = replica.readiness()
            assert status == 503 and "OperationalError" in body["checks"]["tracker_store"], (replica.name, body)
            # Rasa's own fallback would have answered from memory here.
            assert texts_of(replica.say(sender, "Dana Lee")) == [APOLOGY]
        assert say_via(proxy, sender, "Dana Lee") == [APOLOGY]
        sms = TwilioSender(f"{proxy.url}/webhooks/twilio/webhook")
        assert replies(sms.post(sms.params("+12125550148", "does it hurt"))) == [APOLOGY]
        widget_apology = APOLOGY.replace("+1 555-010-0199", "[+1 555-010-0199](tel:+15550100199)")
        assert asyncio.run(widget_says(second, "outage-widget-0123456789abcdef01", "does it hurt")) == widget_apology

        # Understanding a message needs no store: an urgent one still gets its
        # safety reply, in its language, on every channel.
        assert say_via(proxy, "outage-urgent", URGENT) == [EMERGENCY_REPLY]
        assert say_via(proxy, "outage-urgent-es", "me duele el pecho y no puedo respirar")[0].startswith(
            "Esto podría ser una emergencia médica. Llame al 911"
        )
        assert replies(sms.post(sms.params("+12125550148", URGENT))) == [EMERGENCY_REPLY]
        widget = asyncio.run(widget_says(first, "outage-widget-urgent-0123456789ab", URGENT))
        assert "Please call [911](tel:911) now" in widget
    finally:
        postgres.resume()
    first.wait_until_ready()
    second.wait_until_ready()

    # The conversation goes on where it was, on either server.
    assert any(ASKS_CONTACT in t for t in texts_of(second.say(sender, "Dana Lee")))
    assert any(ASKS_CITY in t for t in texts_of(first.say(sender, "dana@example.com")))
    # The refused turns were never stored, anywhere: the store has each turn once.
    assert user_texts(postgres, sender) == ["book an appointment", "yes", "Dana Lee", "dana@example.com"]
    for replica in (first, second):
        log = replica.log.read_text(errors="replace")
        assert "OperationalError" in log and "InMemoryTrackerStore" not in log
        # No personal data in the logs: neither what was typed nor who texted.
        assert "Dana Lee" not in log and URGENT not in log and "2125550148" not in log


async def widget_says(replica: Replica, session_id: str, message: str) -> str:
    """What the widget's socket.io channel answers first to `message`."""
    client, received, _ = await open_session(replica, session_id)
    try:
        await client.emit("user_uttered", {"message": message, "session_id": session_id})
        await wait_for_text(received, "")
        return received[0]["text"]
    finally:
        await close(client)


def test_without_redis_a_server_refuses_to_serve_then_resumes(cluster):
    first, _, proxy, _, redis = cluster
    redis.halt()
    try:
        status, body = first.readiness()
        assert status == 503 and body["checks"]["lock_store"] != "ok"
        assert texts_of(first.say("outage-redis", "does it hurt")) == [APOLOGY]
    finally:
        redis.resume()
    first.wait_until_ready()
    assert any("local anesthesia" in t for t in texts_of(first.say("outage-redis", "does it hurt")))


def test_the_widget_upgrades_to_a_websocket_keeps_to_one_server_and_survives_losing_it(cluster, browser):  # noqa: F811
    first, second, proxy, _, _ = cluster
    visitor = Visitor(browser, first.page_url)
    sockets, frames = [], defaultdict(int)

    def on_websocket(socket):
        sockets.append(socket.url)
        socket.on("framereceived", lambda _: frames.__setitem__(socket.url, frames[socket.url] + 1))

    visitor.page.on("websocket", on_websocket)
    visitor.open_chat()
    visitor.say("book an appointment")
    expect(visitor.page.locator(".rw-response", has_text="free assessment").last).to_be_visible()
    visitor.say("yes")
    expect(visitor.page.locator(".rw-response", has_text=ASKS_NAME)).to_be_visible()

    # The widget's socket.io went through the proxy and upgraded to a WebSocket.
    assert len(sockets) == 1 and sockets[0].startswith(f"ws://127.0.0.1:{proxy.port}/socket.io/")
    assert frames[sockets[0]] > 0
    polled = {upstream for _, path, _, upstream in proxy.requests() if path == "/socket.io/"}
    assert len(polled) == 1  # the session's requests on one server
    holder = first if polled == {first.address} else second
    other = second if holder is first else first

    # That server goes away: the widget reconnects through the proxy to the
    # other, and the call-back form goes on from PostgreSQL.
    holder.make.stop()
    deadline = time.monotonic() + 30
    while len(sockets) < 2 or not frames[sockets[1]]:  # socket.io-client reconnects by itself
        assert time.monotonic() < deadline, f"the widget did not reconnect: {sockets}"
        visitor.page.wait_for_timeout(200)
    visitor.say("Grace Hopper")
    expect(visitor.page.locator(".rw-response", has_text=ASKS_CONTACT)).to_be_visible(timeout=30_000)
    visitor.screenshot("scale-out-widget-after-failover")

    widget = [(status, upstream) for _, path, status, upstream in proxy.requests() if path == "/socket.io/"]
    # nginx logs a WebSocket when it closes: the first one, on the lost
    # server, was on the same server as its polling requests.
    assert (101, holder.address) in widget
    assert widget[-1][1] == other.address
