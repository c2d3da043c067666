"""Rate limits on every way in, against a real Rasa server and action server
with low limits set through the environment, as an operator would.

Each test talks from an address of its own (127.0.0.x: every one of them is
this machine's loopback), as different visitors' machines would, so one
test's counts never reach another's. A refused message must never reach
the assistant: the tracker store is checked for it.
"""

import asyncio
import re
import sqlite3

import pytest
import requests
from requests.adapters import HTTPAdapter

from tests.scale_services import NginxServer, render_nginx
from tests.servers import Assistant, free_port
from tests.twilio_client import TwilioSender, replies, texter_id
from tests.widget_client import close, open_session, wait_for_text

LIMITS = {
    "RATE_LIMIT_SENDER": "3/hour",
    "RATE_LIMIT_ADDRESS": "5/hour",
    "RATE_LIMIT_NEW_CONVERSATIONS": "3/hour",
    # nginx on this machine (deploy/nginx.conf) reaches Rasa from 127.0.0.1.
    "TRUSTED_PROXIES": "127.0.0.1",
}
POLITE = "You're sending messages faster than I can answer."


@pytest.fixture(scope="module")
def limited(tmp_path_factory):
    running = Assistant(tmp_path_factory.mktemp("limits"), LIMITS)
    try:
        yield running.start(web=False)
    finally:
        running.stop()


class FromAddress(HTTPAdapter):
    """Connects from a given local address."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def client(address: str) -> requests.Session:
    session = requests.Session()
    session.mount("http://", FromAddress(address))
    return session


def rest(session, base_url, sender, message="how much does it cost?", **headers):
    return session.post(
        f"{base_url}/webhooks/rest/webhook", json={"sender": sender, "message": message}, headers=headers, timeout=30
    )


def user_turns(assistant, sender):
    with sqlite3.connect(assistant.tracker_db) as db:
        return db.execute("select count(*) from events where sender_id=? and type_name='user'", (sender,)).fetchone()[0]


def assert_polite_429(response, max_wait=3600):
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= max_wait
    body = response.json()
    assert body["retry_after"] == int(response.headers["Retry-After"])
    assert body["error"].startswith(POLITE)
    assert "+1 555-010-0199" in body["error"] and "911" in body["error"]


def test_rest_conversation_over_its_limit_gets_429_and_the_assistant_never_sees_it(limited):
    visitor = client("127.0.0.11")
    for _ in range(3):
        answered = rest(visitor, limited.url, "rl-chatty")
        assert answered.status_code == 200
        assert any("$3,000 to $10,000" in m.get("text", "") for m in answered.json())
    refused = rest(visitor, limited.url, "rl-chatty", "i want to book a consultation")
    assert_polite_429(refused)
    assert user_turns(limited, "rl-chatty") == 3
    # Another conversation from the same address is still answered.
    assert rest(visitor, limited.url, "rl-chatty-sibling").status_code == 200


def test_rest_address_over_its_limit_across_conversations(limited):
    office = client("127.0.0.12")
    for sender, messages in (("rl-office-a", 3), ("rl-office-b", 2)):
        for _ in range(messages):
            assert rest(office, limited.url, sender).status_code == 200
    # The sixth message from this address, in a conversation still under its own limit.
    assert_polite_429(rest(office, limited.url, "rl-office-b"))
    assert user_turns(limited, "rl-office-b") == 2
    # Another address is not held back by this one.
    assert rest(client("127.0.0.13"), limited.url, "rl-elsewhere").status_code == 200


def test_an_address_may_start_only_so_many_conversations(limited):
    script = client("127.0.0.14")
    for n in range(3):
        assert rest(script, limited.url, f"rl-new-{n}").status_code == 200
    assert_polite_429(rest(script, limited.url, "rl-new-3"))
    assert user_turns(limited, "rl-new-3") == 0
    # A conversation already started goes on.
    assert rest(script, limited.url, "rl-new-0", "does it hurt").status_code == 200
    log = (limited.workdir / "rasa.log").read_text()
    assert (
        "Rate limit: rest conversation rl-new-3 from 127.0.0.14 refused (RATE_LIMIT_NEW_CONVERSATIONS 3/hour)"
    ) in log


def test_widget_over_its_limit_gets_a_polite_reply_in_the_chat(limited):
    async def chat():
        client_, received, errors = await open_session(limited, "rl-widget", local_address="127.0.0.15")
        for _ in range(3):
            before = len(received)
            await client_.emit("user_uttered", {"message": "how much does it cost?", "session_id": "rl-widget"})
            await wait_for_text(received, "$3,000", after=before)
        before = len(received)
        await client_.emit("user_uttered", {"message": "does it hurt", "session_id": "rl-widget"})
        await wait_for_text(received, POLITE, after=before)
        await close(client_)
        return received[before:], errors

    over, errors = asyncio.run(chat())
    assert errors == []
    # (The third answer's offer may still be arriving among these.)
    polite = [m["text"] for m in over if POLITE in m.get("text", "")]
    assert len(polite) == 1 and "[911](tel:911)" in polite[0]  # the numbers are links on the widget
    assert not any("anesthesia" in m.get("text", "") for m in over)
    assert user_turns(limited, "rl-widget") == 3
    log = (limited.workdir / "rasa.log").read_text()
    assert "Rate limit: socketio conversation rl-widget from 127.0.0.15 refused (RATE_LIMIT_SENDER 3/hour)" in log


def test_widget_conversations_are_counted_by_the_visitors_machine(limited):
    async def chat():
        for n in range(4):
            session_id = f"rl-widget-new-{n}"
            client_, received, _ = await open_session(limited, session_id, local_address="127.0.0.16")
            await client_.emit("user_uttered", {"message": "how much does it cost?", "session_id": session_id})
            await wait_for_text(received, "$3,000" if n < 3 else POLITE)
            await close(client_)

    asyncio.run(chat())
    assert [user_turns(limited, f"rl-widget-new-{n}") for n in range(4)] == [1, 1, 1, 0]


def test_sms_over_its_limit_gets_one_polite_text_then_silence_never_a_429(limited):
    sms = TwilioSender(f"{limited.url}/webhooks/twilio/webhook")
    phone = "+12125550160"
    for _ in range(3):
        assert any("$3,000 to $10,000" in t for t in sms.text(phone, "how much does it cost?"))
    over = sms.params(phone, "does it hurt")
    first = sms.post(over)
    assert first.status_code == 200  # a 429 would make Twilio retry
    assert len(replies(first)) == 1 and replies(first)[0].startswith(POLITE)
    assert "911" in replies(first)[0] and len(replies(first)[0]) <= 160  # one GSM-7 segment
    # Twilio's retry of that message: the same answer, nothing counted twice.
    assert sms.post(over).text == first.text
    # Each text is billed: the rest of the burst gets no reply...
    assert sms.text(phone, "what are the risks") == []
    # ...unless it has a red flag: the polite text again, which names 911.
    urgent = sms.text(phone, "my chest hurts and I can't breathe")
    assert len(urgent) == 1 and "911" in urgent[0]
    assert user_turns(limited, texter_id(phone, limited.env)) == 3
    # STOP is always honoured, whatever the limit.
    assert sms.text(phone, "STOP") == []
    assert sms.text(phone, "how much does it cost?") == []
    log = (limited.workdir / "rasa.log").read_text()
    assert "2125550160" not in log and "Rate limit: twilio conversation sms-" in log
    # The polite text is logged once per burst, not once per text.
    assert len(re.findall(r"Rate limit: twilio conversation", log)) == 1


@pytest.fixture(scope="module")
def nginx(limited):
    # The deployment's own proxy configuration, in front of the one server.
    port = free_port()
    proxy = NginxServer(render_nginx([f"127.0.0.1:{limited.rasa_port}"], f"127.0.0.1:{port}"), port).start()
    try:
        yield proxy
    finally:
        proxy.stop()


def test_behind_nginx_each_visitor_is_counted_by_their_own_address(limited, nginx):
    script, neighbour = client("127.0.0.21"), client("127.0.0.22")
    for n in range(3):
        assert rest(script, nginx.url, f"rl-proxied-{n}").status_code == 200
    # A forged X-Forwarded-For does not make the script someone else: nginx
    # replaces it with the address it really came from, the one counted.
    forged = rest(script, nginx.url, "rl-proxied-3", **{"X-Forwarded-For": "203.0.113.9"})
    assert_polite_429(forged)
    # Another visitor behind the same proxy is not held back by the script.
    assert rest(neighbour, nginx.url, "rl-proxied-neighbour").status_code == 200
    log = (limited.workdir / "rasa.log").read_text()
    assert "rl-proxied-3 from 127.0.0.21 refused" in log


def test_x_forwarded_for_from_an_untrusted_peer_is_ignored(limited):
    # Straight to Rasa, not through the proxy: the header is the client's own
    # word, so the peer's address is what counts, and the log says why.
    direct = client("127.0.0.23")
    for n in range(3):
        spoofed = rest(direct, limited.url, f"rl-spoof-{n}", **{"X-Forwarded-For": f"198.51.100.{n}"})
        assert spoofed.status_code == 200
    assert_polite_429(rest(direct, limited.url, "rl-spoof-3", **{"X-Forwarded-For": "198.51.100.3"}))
    log = (limited.workdir / "rasa.log").read_text()
    assert "Requests from 127.0.0.23 carry X-Forwarded-For, which is ignored" in log
