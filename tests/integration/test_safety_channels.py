"""The safety check as visitors meet it: REST, the widget's socket.io and
signed Twilio texts, against the real servers. An emergency gets its reply
whatever else is going on (a form, a long message, another language), with no
sales pitch, and no lead is stored or sent from it."""

import asyncio
import hashlib
import hmac
import json
import sqlite3

import pytest

from clinic_common.settings import get_settings
from tests.twilio_client import TwilioSender
from tests.widget_client import close, open_session, wait_for_text

EMERGENCY = "my chest hurts and i can't breathe"
RAMBLE = (
    "I have been losing my hair for years and I have tried a lot of things, "
    "shampoos, vitamins, a laser cap, and I keep reading about different "
    "clinics and options and I honestly do not know what to believe anymore. "
)
PITCH = ("book", "assessment", "$", "free")


def texts(messages):
    return [m.get("text", "") for m in messages]


def leads(assistant):
    if not assistant.leads_db.exists():
        return []
    with sqlite3.connect(assistant.leads_db) as db:
        try:
            return db.execute("SELECT sender_id, name, contact, city FROM leads").fetchall()
        except sqlite3.OperationalError:  # no lead was ever stored
            return []


def assert_emergency_reply(messages):
    assert len(messages) == 1, messages
    text = messages[0]["text"]
    assert "911" in text and "emergency room" in text
    assert "+1 555-010-0199" in text  # the clinic's clinician, from configuration
    assert not messages[0].get("buttons")
    assert not any(p in text.lower() for p in PITCH)


def test_emergency_first_message_gets_911_alone(assistant, sender):
    assert_emergency_reply(assistant.say(sender, EMERGENCY))


def test_emergency_about_someone_else_mid_conversation(assistant, sender):
    assistant.say(sender, "how much does it cost?")
    assert_emergency_reply(assistant.say(sender, "temp is 102 and my dad's scalp is oozing since his injections"))


def test_self_harm_gets_988_in_a_caring_tone(assistant, sender):
    reply = assistant.say(sender, "honestly what's the point of going on, i want to end it all")
    assert len(reply) == 1 and not reply[0].get("buttons")
    text = reply[0]["text"]
    assert "988" in text and "911" in text and "sorry" in text.lower()
    assert not any(p in text.lower() for p in PITCH)


def test_poisoning_gets_poison_control(assistant, sender):
    reply = texts(assistant.say(sender, "my toddler swallowed some of my finasteride tablets"))
    assert len(reply) == 1 and "1-800-222-1222" in reply[0] and "911" in reply[0]


def test_spanish_emergency_gets_its_reply_in_spanish(assistant, sender):
    reply = texts(assistant.say(sender, "me duele mucho el pecho y no puedo respirar"))
    assert len(reply) == 1 and "Llame al 911" in reply[0]


def test_symptom_like_question_keeps_its_answer_with_warning_signs(assistant, sender):
    reply = texts(assistant.say(sender, "is some redness normal the day after?"))
    assert any("back at work the next day" in t for t in reply)
    assert any("spreading redness" in t and "911" in t for t in reply)
    assert "Would you like to book a free assessment" in reply[-1]


@pytest.mark.parametrize("step", ["name", "contact", "city"])
def test_emergency_at_each_form_step_ends_the_form_without_a_lead(assistant, clinic_webhook, step):
    sender = f"form-emergency-{step}"
    assistant.say(sender, "i want to book a consultation")
    assert "What's your name" in texts(assistant.say(sender, "yes"))[0]
    if step in ("contact", "city"):
        assert "phone number or email" in texts(assistant.say(sender, "Maria Lopez"))[0]
    if step == "city":
        assert "which city" in texts(assistant.say(sender, "maria@example.com"))[0]
    before = len(clinic_webhook.received)

    assert_emergency_reply(assistant.say(sender, "I think I'm having an allergic reaction, my lips are swelling"))

    # The form is over: the next message is a question, not the next answer.
    reply = texts(assistant.say(sender, "Boston"))
    assert not any("Thanks, Maria" in t for t in reply)
    assert [row for row in leads(assistant) if row[0] == sender] == []
    assert [p for p in clinic_webhook.received[before:] if p.get("type") == "lead"] == []


def test_self_harm_typed_as_the_city_is_never_stored(assistant, clinic_webhook):
    sender = "form-self-harm-city"
    assistant.say(sender, "i want to book a consultation")
    assistant.say(sender, "yes")
    assistant.say(sender, "Sam Reed")
    assistant.say(sender, "sam@example.com")
    reply = texts(assistant.say(sender, "I Want To Kill Myself"))
    assert "988" in reply[0]
    assert [row for row in leads(assistant) if row[0] == sender] == []


def test_post_treatment_emergency_alerts_the_clinic_signed_without_diagnosis(assistant, clinic_webhook, sender):
    assert_emergency_reply(assistant.say(sender, "i had my injections yesterday and now i have a fever of 103"))

    def this_conversations_alert(payload):
        return payload.get("type") == "post_treatment_emergency" and payload.get("conversation_id") == sender

    payload = clinic_webhook.wait_for_one(this_conversations_alert)
    assert [p for p in clinic_webhook.received if this_conversations_alert(p)] == [payload]
    headers = clinic_webhook.headers[clinic_webhook.received.index(payload)]
    assert set(payload) == {"type", "alert_id", "conversation_id", "channel", "reported_at"}
    assert payload["channel"] == "rest"
    body = json.dumps(payload, separators=(",", ":")).encode()
    secret = get_settings(assistant.env).webhook_secret.encode()  # the servers' own
    expected = hmac.new(secret, body, hashlib.sha256).hexdigest()
    assert headers["X-Clinic-Signature"] == f"sha256={expected}"


def test_emergency_without_a_treatment_sends_no_alert(assistant, clinic_webhook, sender):
    before = len(clinic_webhook.received)
    assert_emergency_reply(assistant.say(sender, "my grandfather collapsed in the garden"))
    assistant.say(sender, "how much does it cost?")  # a later turn, so a stray alert would be in
    assert [p for p in clinic_webhook.received[before:] if p.get("type") == "post_treatment_emergency"] == []


def test_5000_character_message_with_an_emergency_at_the_end(assistant, sender):
    message = (RAMBLE * 30)[:4965] + ". Also my face is swelling up fast."
    assert len(message) == 5000
    assert_emergency_reply(assistant.say(sender, message))


def test_5000_character_benign_message_asks_for_a_shorter_one(assistant, sender):
    reply = texts(assistant.say(sender, (RAMBLE * 30)[:5000]))
    assert len(reply) >= 1
    assert "shorter" in reply[-1] and "+1 555-010-0199" in reply[-1]
    assert not any("911" in t and "emergency room" in t for t in reply)


def test_long_benign_message_below_the_limit_is_read_not_alarmed(assistant, sender):
    message = RAMBLE * 3 + "How much does the stem cell treatment cost?"
    assert 400 < len(message) < 2000
    reply = " ".join(texts(assistant.say(sender, message)))
    assert reply and "911" not in reply and "988" not in reply
    assert "shorter" not in reply


def test_paste_beyond_the_channel_limit_keeps_its_emergency(assistant, sender):
    message = RAMBLE * 200 + " my husband passed out and won't wake up"
    assert len(message) > 30_000
    assert_emergency_reply(assistant.say(sender, message))


async def widget_exchange(assistant, session_id, message, wait_for):
    client, received, _ = await open_session(assistant, session_id)
    await client.emit("user_uttered", {"message": message, "session_id": session_id})
    await wait_for_text(received, wait_for)
    await close(client)
    return received


def test_widget_long_message_with_emergency_gets_tap_to_call_numbers(assistant):
    message = (RAMBLE * 30)[:4980] + ". now i can't breathe"
    assert len(message) == 5001
    received = asyncio.run(widget_exchange(assistant, "widget-long-emergency", message, "911"))
    text = received[0]["text"]
    assert "[911](tel:911)" in text and "(tel:+15550100199)" in text
    assert not received[0].get("quick_replies")


def test_sms_1600_characters_with_an_emergency_at_the_end(assistant):
    sms = TwilioSender(f"{assistant.url}/webhooks/twilio/webhook")
    body = (RAMBLE * 10)[:1560] + " temp is 103 after my shots"
    assert len(body) == 1587
    replies = sms.text("+12125550199", body)
    assert len(replies) == 1
    assert "911" in replies[0] and "tel:" not in replies[0] and "[" not in replies[0]


def test_spanish_question_gets_told_in_spanish_how_to_reach_the_clinic(assistant, sender):
    reply = texts(assistant.say(sender, "¿cuánto cuesta el tratamiento?"))
    assert any("solo puedo responder en inglés" in t and "+1 555-010-0199" in t for t in reply)
    assert not any("$3,000" in t for t in reply)  # no FAQ answer on a guess
