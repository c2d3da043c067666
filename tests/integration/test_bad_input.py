"""Bad input on every way in: a clear 4xx with a reason or a normal reply,
never a 5xx, and the server answers the next normal message."""

import asyncio
import json
import sqlite3
import uuid

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.twilio_client import TwilioSender, replies, texter_id
from tests.widget_client import close, open_session, wait_for_text

ODD_MESSAGES = [
    "\x00\x01\x02 how much \x07does it cost\x1b?",  # control characters
    "💇‍♀️💸 how much?? 🙏🏽",  # emoji
    "כמה זה עולה? \u202eتكلفة العلاج\u202c",  # right-to-left text
    "<script>alert(1)</script><img src=x onerror=alert(2)>",
    "'; DROP TABLE events; --",
    "\" OR 1=1; DELETE FROM leads WHERE ''='",
    "Robert'); DROP TABLE leads;--",
]


def rest(assistant, body, content_type="application/json"):
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return requests.post(
        f"{assistant.url}/webhooks/rest/webhook",
        data=data,
        headers={"Content-Type": content_type},
        timeout=30,
    )


def still_answers(assistant, sender=None):
    # A conversation of its own each time: one that asked this after every
    # bad request would pass RATE_LIMIT_SENDER.
    sender = sender or f"after-bad-input-{uuid.uuid4().hex[:8]}"
    reply = rest(assistant, {"sender": sender, "message": "how much does it cost?"})
    assert reply.status_code == 200
    assert any("$3,000 to $10,000" in m.get("text", "") for m in reply.json())


@pytest.mark.parametrize(
    "body, status, reason",
    [
        ({"sender": "a", "message": ""}, 400, "empty"),
        ({"sender": "a", "message": "   \n\t "}, 400, "empty"),
        ({"sender": "a", "message": "a" * 600_000}, 413, "at most 512 KB"),
        (b'{"sender": "a", "message": "hi"', 400, "not valid JSON"),
        (b"\xff\xfe garbage", 400, "not valid JSON"),
        (b"null", 400, "JSON object"),
        (b'[{"sender": "a", "message": "hi"}]', 400, "JSON object"),
        (b'"just a string"', 400, "JSON object"),
        ({"sender": "a"}, 400, "missing 'message'"),
        ({"message": 42, "sender": "a"}, 400, "must be a string"),
        ({"message": ["hi"], "sender": "a"}, 400, "must be a string"),
        ({"message": None, "sender": "a"}, 400, "must be a string"),
        ({"message": "hi", "sender": 7}, 400, "'sender'"),
        ({"message": "hi", "sender": ""}, 400, "'sender'"),
        ({"message": "hi", "sender": "x" * 500}, 400, "'sender'"),
        ({"message": "hi", "sender": "a", "metadata": "nope"}, 400, "'metadata'"),
    ],
)
def test_rest_rejects_malformed_requests_with_a_reason(assistant, body, status, reason):
    response = rest(assistant, body)
    assert response.status_code == status
    assert reason in response.json()["error"]
    still_answers(assistant)


def test_rest_wrong_content_type(assistant):
    form = rest(assistant, "sender=a&message=hi", "application/x-www-form-urlencoded")
    assert form.status_code == 400 and "JSON" in form.json()["error"]
    # curl -d sends JSON with a form content type; the JSON is what counts.
    curl = rest(assistant, json.dumps({"sender": "c", "message": "hi"}), "application/x-www-form-urlencoded")
    assert curl.status_code == 200 and curl.json()


@pytest.mark.parametrize("message", ODD_MESSAGES)
def test_rest_odd_messages_get_a_polite_reply(assistant, message):
    response = rest(assistant, {"sender": "odd", "message": message})
    assert response.status_code == 200
    texts = [m.get("text", "") for m in response.json()]
    assert texts and all(texts)
    still_answers(assistant)


def rows(database, query, *args):
    with sqlite3.connect(database) as db:
        return db.execute(query, args).fetchall()


def user_texts(assistant, sender):
    stored = rows(assistant.tracker_db, "select data from events where sender_id = ? and type_name = 'user'", sender)
    return [json.loads(data)["text"] for (data,) in stored]


def test_tables_survive_sql_injection_strings(assistant):
    # A lead stored first: a DELETE or DROP that ran would take it.
    for message in ["book an appointment", "yes", "Ann Lee", "ann.sql@example.com", "Denver"]:
        assistant.say("sql-lead-before", message)
    leads_before = rows(assistant.leads_db, "select id, name, contact, city from leads")
    assert ("Ann Lee", "ann.sql@example.com", "Denver") in [row[1:] for row in leads_before]

    for message in ODD_MESSAGES:
        assert rest(assistant, {"sender": message[:100], "message": message}).status_code == 200
    # The call-back form, with SQL for a name and a city.
    name, city = "Robert'); DROP TABLE leads;--", "Dallas'); DELETE FROM leads;--"
    for message in ["book an appointment", "yes", name, "bobby.sql@example.com", city]:
        assistant.say("sql-lead-injected", message)

    leads_after = rows(assistant.leads_db, "select id, name, contact, city from leads")
    assert set(leads_before) <= set(leads_after)  # nothing deleted or changed
    # The name as typed; the city is the place the form recognised in it.
    assert [row[1:] for row in leads_after if row[2] == "bobby.sql@example.com"] == [
        (name, "bobby.sql@example.com", "Dallas")
    ]
    # Each message is stored as typed, in its own conversation.
    assert {name, city} <= set(user_texts(assistant, "sql-lead-injected"))
    for message in [m for m in ODD_MESSAGES if "DROP" in m or "DELETE" in m]:
        assert user_texts(assistant, message[:100]) == [message]
    still_answers(assistant, sender="'; DROP TABLE events; --")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.one_of(
        st.binary(max_size=300),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
            lambda children: (
                st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
            ),
            max_leaves=10,
        ).map(lambda value: json.dumps(value).encode()),
        st.fixed_dictionaries(
            {"sender": st.text(max_size=40), "message": st.text(max_size=300)},
            optional={"metadata": st.dictionaries(st.text(max_size=5), st.integers(), max_size=3)},
        ).map(lambda value: json.dumps(value).encode()),
    )
)
def test_rest_fuzz_never_5xx(assistant, body):
    response = rest(assistant, body)
    assert response.status_code < 500
    if response.status_code == 200:
        assert isinstance(response.json(), list) and response.json()
    else:
        assert response.json()["error"]


async def wait_until(condition, what, timeout=20):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"{what} in {timeout}s")
        await asyncio.sleep(0.05)


async def socket_session(assistant, events, session_id="socket-bad-input"):
    client, received, errors = await open_session(assistant, session_id)
    for event in events:
        before = len(received) + len(errors)
        await client.emit("user_uttered", event)
        # A bot message or an error event answers it.
        await wait_until(lambda before=before: len(received) + len(errors) > before, f"nothing came back for {event!r}")
    before = len(received)
    await client.emit("user_uttered", {"message": "how much does it cost?", "session_id": session_id})
    await wait_for_text(received, "$3,000", after=before)
    await close(client)
    return received, errors


def test_socketio_bad_events_get_errors_and_the_next_message_an_answer(assistant):
    bad = [
        None,
        "just text",
        ["list"],
        {"message": 5, "session_id": "socket-bad-input"},
        {"message": "", "session_id": "socket-bad-input"},
        {"message": "hi"},
    ]
    received, errors = asyncio.run(socket_session(assistant, bad))
    assert len(errors) == len(bad)
    assert any("$3,000 to $10,000" in m.get("text", "") for m in received)


def test_socketio_huge_message_gets_asked_for_a_shorter_one(assistant):
    # Not an error: the visitor sees a reply (bot/server/channels/guard.py).
    received, errors = asyncio.run(
        socket_session(assistant, [{"message": "a" * 100_000, "session_id": "socket-huge"}], "socket-huge")
    )
    assert errors == []
    assert any("shorter question" in m.get("text", "") for m in received)


def test_socketio_odd_messages_get_replies(assistant):
    """Each in a conversation of its own, so every reply belongs to it: a
    reply beyond the disclaimer that tops a conversation's first one."""

    def answers(received):
        return [m["text"] for m in received if m.get("text", "").strip() and "not medical advice" not in m["text"]]

    async def reply_to(number, message):
        session_id = f"socket-odd-{number}"
        client, received, errors = await open_session(assistant, session_id)
        await client.emit("user_uttered", {"message": message, "session_id": session_id})
        await wait_until(lambda: answers(received) or errors, f"no reply to {message!r}")
        await close(client)
        return received, errors

    for number, message in enumerate(ODD_MESSAGES):
        received, errors = asyncio.run(reply_to(number, message))
        assert errors == [] and answers(received), message


def socketio_connect_packet(assistant, origin):
    """Opens a socket.io session over engine.io's polling transport by hand and
    returns the server's answer to the namespace CONNECT: "40..." accepted,
    "44..." refused."""
    base = f"{assistant.url}/socket.io/?EIO=4&transport=polling"
    headers = {"Origin": origin}
    handshake = requests.get(base, headers=headers, timeout=10).text
    sid = json.loads(handshake[1:])["sid"]
    requests.post(f"{base}&sid={sid}", data="40", headers=headers, timeout=10)
    return requests.get(f"{base}&sid={sid}", headers=headers, timeout=10).text


def test_socketio_refuses_other_origins(assistant):
    assert socketio_connect_packet(assistant, assistant.page_url).startswith("40")
    assert socketio_connect_packet(assistant, "https://evil.example").startswith("44")


def test_rest_cors_only_for_configured_origins(assistant):
    def preflight(origin):
        return requests.options(
            f"{assistant.url}/webhooks/rest/webhook",
            headers={"Origin": origin, "Access-Control-Request-Method": "POST"},
            timeout=10,
        ).headers.get("Access-Control-Allow-Origin")

    assert preflight(assistant.page_url) == assistant.page_url
    assert preflight("https://evil.example") is None


@pytest.fixture
def sms(assistant):
    return TwilioSender(f"{assistant.url}/webhooks/twilio/webhook")


# Twilio cuts an incoming text at 1,600 characters.
@pytest.mark.parametrize("message", ODD_MESSAGES + ["", "   ", "a" * 1600])
def test_twilio_odd_bodies_get_a_text_back(sms, message):
    texts = sms.text("+12125550180", message)
    assert texts and all(texts) and all(len(t) <= 320 for t in texts)


def test_twilio_sized_body_that_no_twilio_request_has_is_413_unread(sms, assistant):
    huge = requests.post(
        sms.url,
        data=b"Body=" + b"a" * (2 * 1024 * 1024),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=30,
    )
    assert huge.status_code == 413 and "too large" in huge.json()["error"]
    # The server is still there for the next texter.
    assert sms.text("+12125550183", "how much does it cost?")


def test_twilio_retry_gets_the_same_reply_and_the_turn_runs_once(sms, assistant):
    phone = "+12125550184"
    params = sms.params(phone, "how much does it cost?")
    first = sms.post(params)
    again = sms.post(params)
    assert first.status_code == again.status_code == 200
    assert replies(first) and first.text == again.text
    texter = texter_id(phone, assistant.env)
    with sqlite3.connect(assistant.tracker_db) as db:
        turns = db.execute("select count(*) from events where sender_id=? and type_name='user'", (texter,)).fetchone()[
            0
        ]
    assert turns == 1


def test_twilio_wrong_content_type_and_forgery(sms, assistant):
    as_json = requests.post(sms.url, json={"From": "+12125550182", "Body": "hi"}, timeout=10)
    assert as_json.status_code == 415
    params = sms.params("+12125550182", "hi")
    params["Body"] = "tampered after signing"
    signature = sms.validator.compute_signature(sms.url, sms.params("+12125550182", "hi"))
    assert sms.post(params, signature=signature).status_code == 403
    still_answers(assistant)


def test_rest_cannot_write_into_a_texters_conversation(sms, assistant):
    phone = "+12125550185"
    sms.text(phone, "how much does it cost?")
    texter = texter_id(phone, assistant.env)

    def user_turns():
        with sqlite3.connect(assistant.tracker_db) as db:
            return db.execute(
                "select count(*) from events where sender_id=? and type_name='user'", (texter,)
            ).fetchone()[0]

    before = user_turns()
    refused = rest(assistant, {"sender": texter, "message": "i want to book a consultation"})
    assert refused.status_code == 403 and "sms-" in refused.json()["error"]
    assert user_turns() == before


def test_widget_cannot_take_a_texters_conversation_id(assistant):
    async def scenario():
        client, received, errors = await open_session(assistant, "sms-0123456789abcdef")
        confirmed = client.confirmed_session_id
        await client.emit("user_uttered", {"message": "hi", "session_id": "sms-0123456789abcdef"})
        await wait_until(lambda: errors, "no error event", timeout=5)
        await close(client)
        return confirmed, errors

    confirmed, errors = asyncio.run(scenario())
    assert not confirmed.startswith("sms-")
    assert errors and "session_id" in errors[0]["error"]
