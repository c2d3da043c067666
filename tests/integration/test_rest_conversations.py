"""Conversations over Rasa's REST channel, against the real running servers."""

import sqlite3
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.booking_links import followed, link_in

FAQ_QUESTIONS = {
    "how much does it cost?": "$3,000 to $10,000",
    "is it fda approved": "investigational",
    "how long does the procedure take": "1-2 hours",
    "when will i see results": "3-6 months",
    "does it actually work": "20-30%",
    "whats the recovery like": "next day",
    "what are the risks": "infection",
}


def texts(messages):
    return [m.get("text", "") for m in messages]


@pytest.mark.parametrize("question, expected", FAQ_QUESTIONS.items())
def test_faq_answers_from_the_guide(assistant, sender, question, expected):
    reply = texts(assistant.say(sender, question))
    assert expected in reply[1]  # after the disclaimer that opens a conversation


def test_disclaimer_once_then_answer_then_assessment_offer(assistant, sender):
    first = assistant.say(sender, "how much does it cost?")
    assert "not medical advice" in first[0]["text"]
    assert "$3,000 to $10,000" in first[1]["text"]
    assert first[-1]["text"] == "Would you like to book a free assessment with the clinic?"
    assert [b["payload"] for b in first[-1]["buttons"]] == ["/affirm", "/deny"]
    second = texts(assistant.say(sender, "does it hurt"))
    assert "local anesthesia" in second[0]
    assert not any("not medical advice" in t for t in second)


def test_disclaimer_once_per_conversation_even_after_an_idle_hour(assistant, sender):
    assert "not medical advice" in texts(assistant.say(sender, "how much does it cost?"))[0]
    # A session ends after an idle hour (domain.yml); the conversation goes on.
    assistant.age_conversation(sender, hours=2)
    reply = texts(assistant.say(sender, "does it hurt"))
    assert assistant.session_starts(sender) == 2
    assert "local anesthesia" in reply[0]
    assert not any("not medical advice" in t for t in reply)


def test_yes_after_the_offer_gives_the_booking_link_with_tracking(assistant, sender):
    assistant.say(sender, "how much does it cost?")
    reply = texts(assistant.say(sender, "yes"))
    url = followed(link_in(reply[0]))
    assert url.startswith("https://www.yourhairclinic.com/?")
    params = parse_qs(urlsplit(url).query)
    assert params["utm_medium"] == ["rest"] and params["utm_content"] == ["cost"]


def test_booking_request_gets_the_link(assistant, sender):
    reply = texts(assistant.say(sender, "i want to book a consultation"))
    assert "not medical advice" in reply[0]  # the conversation's first reply
    assert "utm_content=direct" in followed(link_in(reply[1]))


def test_call_back_request_with_an_faq_in_the_middle(assistant, sender, clinic_webhook):
    assistant.say(sender, "book an appointment")
    assert "name" in texts(assistant.say(sender, "yes"))[0]
    assert "phone number or email" in texts(assistant.say(sender, "Maria Lopez"))[0]
    # A question mid-form is answered, then the form asks again.
    reply = texts(assistant.say(sender, "is it covered by insurance"))
    assert "financing" in reply[0]
    assert "phone number or email" in reply[-1]
    assert "doesn't look like" in texts(assistant.say(sender, "555 12"))[0]
    assert "city" in texts(assistant.say(sender, "maria@example.com"))[0]
    started = time.monotonic()
    done = texts(assistant.say(sender, "Miami"))
    assert time.monotonic() - started < 3
    assert "Thanks, Maria Lopez!" in done[0] and followed(link_in(done[0])).startswith(
        "https://www.yourhairclinic.com/?"
    )
    lead = clinic_webhook.wait_for_one(lambda lead: lead.get("contact") == "maria@example.com")
    assert lead["preferred_city"] == "Miami" and lead["topic"] == "insurance"
    assert lead_rows(assistant, "maria@example.com") == [("Maria Lopez", "delivered")]


def lead_rows(assistant, contact, timeout=5):
    """The stored lead, once its background delivery has finished."""
    deadline = time.monotonic() + timeout
    while True:
        with sqlite3.connect(assistant.leads_db) as db:
            rows = db.execute("select name, status from leads where contact=?", (contact,)).fetchall()
        if rows and rows[0][1] not in ("pending", "sending") or time.monotonic() > deadline:
            return rows
        time.sleep(0.1)


def test_a_phone_number_leaves_the_stored_conversation_once_the_lead_holds_it(assistant, sender):
    assistant.say(sender, "book an appointment")
    assistant.say(sender, "yes")
    assistant.say(sender, "Ana Silva")
    assistant.say(sender, "(415) 555-0173")
    assert "Thanks, Ana Silva!" in texts(assistant.say(sender, "Portland"))[0]
    assert lead_rows(assistant, "+14155550173")[0][0] == "Ana Silva"
    with sqlite3.connect(assistant.tracker_db) as db:
        stored = [row[0] for row in db.execute("select data from events where sender_id=?", (sender,))]
    assert stored and not any("555-0173" in data or "4155550173" in data for data in stored)
    assert any("[removed: stored with the call-back request]" in data for data in stored)
    # The conversation itself goes on.
    assert "local anesthesia" in " ".join(texts(assistant.say(sender, "does it hurt")))


def test_call_back_can_be_cancelled(assistant, sender):
    assistant.say(sender, "can i talk to a person")
    assistant.say(sender, "yes")
    assert "won't take your details" in texts(assistant.say(sender, "no"))[0]


def test_handoff_gives_phone_and_email(assistant, sender):
    reply = texts(assistant.say(sender, "i want to speak to a human"))
    assert "+1 555-010-0199" in reply[-1] and "info@yourhairclinic.com" in reply[-1]


def test_urgent_symptoms_get_911_and_no_pitch(assistant, sender):
    assistant.say(sender, "how much does it cost?")
    reply = assistant.say(sender, "i have a fever and pus coming from my scalp after treatment")
    assert len(reply) == 1 and "911" in reply[0]["text"] and not reply[0].get("buttons")


def test_out_of_scope_says_what_the_assistant_does(assistant, sender):
    # Gibberish gets a clarifying question instead: tests/integration/test_clarifying.py.
    reply = texts(assistant.say(sender, "what's the weather like"))
    assert "stem cell therapy for hair loss" in reply[-1]
    assert "book a free assessment" in reply[-1]


def test_greeting_and_bot_challenge(assistant, sender):
    greeting = texts(assistant.say(sender, "hi"))
    assert "not medical advice" in greeting[0] and "virtual assistant" in greeting[1]
    reply = texts(assistant.say(sender, "are you a bot"))
    assert "not a person" in reply[0] and "not medical advice" in reply[1]


def to_the_contact_question(assistant, sender):
    assistant.say(sender, "book an appointment")
    assistant.say(sender, "yes")
    reply = assistant.say(sender, "Ana Silva")
    assert "phone number or email" in reply[-1]["text"]
    return reply


def test_use_this_number_with_no_call_back_under_way_offers_one(assistant, sender):
    reply = assistant.say(sender, "use this number")
    assert "+1 555-010-0199" in reply[-1]["text"] and "call you back" in reply[-1]["text"]
    assert [b["payload"] for b in reply[-1]["buttons"]] == ["/affirm", "/deny"]


def test_off_sms_the_contact_question_offers_no_number_and_asks_for_one(assistant, sender):
    # Only a texter's number is known; here nothing is offered.
    assert not to_the_contact_question(assistant, sender)[-1].get("buttons")
    reply = texts(assistant.say(sender, "use this number"))
    assert reply[0] == "I can't see your phone number from here, so please type it, or an email address."
    assert "phone number or email" in reply[-1]


def test_a_sealed_number_from_another_conversation_or_key_is_refused(assistant, sender):
    """A REST client cannot make the form store a number it was not texted from:
    a sealed number opens only in its own conversation, with the servers' key."""
    from clinic_common import sms_number
    from clinic_common.settings import get_settings

    key = get_settings(assistant.env).sms_number_key
    to_the_contact_question(assistant, sender)
    for sealed in (
        sms_number.seal("+12125550177", "sms-0123456789abcdef0123456789abcdef", key),
        sms_number.seal("+12125550177", sender, "not-the-servers-key"),
    ):
        response = requests.post(
            f"{assistant.url}/webhooks/rest/webhook",
            json={"sender": sender, "message": sms_number.PAYLOAD, "metadata": {sms_number.METADATA_KEY: sealed}},
            timeout=30,
        )
        assert response.status_code == 200
        assert response.json()[0]["text"].startswith("I can't see your phone number from here")
    assert "city" in texts(assistant.say(sender, "ana@example.org"))[-1]
    assert "Thanks, Ana Silva!" in texts(assistant.say(sender, "Portland"))[0]
    assert lead_rows(assistant, "ana@example.org")[0][0] == "Ana Silva"
    with sqlite3.connect(assistant.leads_db) as db:
        assert db.execute("select count(*) from leads where contact = '+12125550177'").fetchone() == (0,)


@pytest.mark.parametrize(
    "opening",
    [
        "what are your hours on saturday?",  # a custom action's clinic facts
        "I want to book a consultation",  # the booking link
        "zxqv blorp flim",  # the fallback's menu, from a custom action
    ],
)
def test_a_conversation_opened_by_a_custom_action_starts_with_the_disclaimer(assistant, sender, opening):
    first = texts(assistant.say(sender, opening))
    assert "not medical advice" in first[0]
    assert sum("not medical advice" in t for t in first) == 1
    assert len(first) >= 2  # the action's own reply follows
    second = texts(assistant.say(sender, "what are your hours on saturday?"))
    assert not any("not medical advice" in t for t in second)
