"""Text messages through the Twilio webhook, signed exactly as Twilio signs them.

Replies travel back inline as TwiML, so what the test reads in the webhook's
answer is what Twilio would text to the visitor.
"""

import re
import sqlite3
import time

import pytest

from tests.booking_links import followed, link_in
from tests.servers import Assistant
from tests.twilio_client import TwilioSender, texter_id

PHONE = "+12125550142"


@pytest.fixture
def sms(assistant):
    return TwilioSender(f"{assistant.url}/webhooks/twilio/webhook")


def phone(n):
    return f"+1212555{n:04d}"


def test_cost_question_gets_plain_short_texts(sms):
    texts = sms.text(phone(1), "how much does it cost?")
    assert "not medical advice" in texts[0]
    assert any("$3,000 to $10,000" in t for t in texts)
    assert all(len(t) <= 320 for t in texts)
    assert not any(re.search(r"\*\*|\[.+\]\(", t) for t in texts)
    # The offer's buttons became numbered options.
    assert "1. Yes, book\n2. No, thanks" in texts[-1]


def test_disclaimer_once_per_conversation_even_after_an_idle_hour(sms, assistant):
    assert "not medical advice" in sms.text(phone(90), "how much does it cost?")[0]
    # The texter writes again the next day: a new session, the same thread.
    conversation = texter_id(phone(90), assistant.env)
    assistant.age_conversation(conversation, hours=20)
    texts = sms.text(phone(90), "does it hurt")
    assert assistant.session_starts(conversation) == 2
    assert "local anesthesia" in texts[0]
    assert not any("not medical advice" in t for t in texts)


def test_picking_a_numbered_option_books_with_the_full_link(sms):
    sms.text(phone(2), "how much does it cost?")
    texts = sms.text(phone(2), "1")
    assert len(texts) == 1  # the link and the call-back question fit one text
    joined = "\n".join(texts)
    link = followed(link_in(joined))
    assert "utm_medium=twilio" in link and "utm_content=cost" in link
    assert "1. Yes, call me back" in joined


def event_count(assistant):
    with sqlite3.connect(assistant.tracker_db) as db:
        return db.execute("select count(*) from events").fetchone()[0]


def test_forged_or_missing_signature_is_refused_and_reaches_nobody(sms, assistant):
    before = event_count(assistant)
    forged = sms.post(sms.params(phone(3), "how much does it cost?"), signature="bm90IGEgc2lnbmF0dXJl")
    missing = sms.post(sms.params(phone(3), "how much does it cost?"), signature=None)
    wrong_token = TwilioSender(sms.url, auth_token="someone-elses-token")
    other = wrong_token.post(wrong_token.params(phone(3), "hi"))
    assert forged.status_code == missing.status_code == other.status_code == 403
    assert event_count(assistant) == before


def test_help_gives_clinic_name_and_phone(sms):
    texts = sms.text(phone(4), "help")
    assert texts == [
        "Your Hair Clinic: questions about stem cell therapy for hair loss. "
        "Call us at +1 555-010-0199. In an emergency, call 911. Reply STOP to stop texts."
    ]


def test_stop_silences_the_number_until_start(sms):
    assert sms.text(phone(5), "hello")
    assert sms.text(phone(5), "STOP") == []
    assert sms.text(phone(5), "how much does it cost?") == []
    assert sms.text(phone(5), "Unsubscribe") == []
    assert "subscribed again" in sms.text(phone(5), "start")[0]
    assert "$3,000 to $10,000" in "\n".join(sms.text(phone(5), "how much does it cost?"))


def test_message_without_body_gets_a_polite_reply(sms):
    assert sms.text(phone(6), None) == ["Sorry, I can only read text. Please type your question."]


def test_missing_from_is_a_400_with_a_reason(sms):
    params = sms.params(phone(7), "hi")
    del params["From"]
    response = sms.post(params)
    assert response.status_code == 400 and "From" in response.json()["error"]


def test_phone_numbers_never_stored_or_logged_in_clear(sms, assistant):
    sms.text(PHONE, "what are the risks")
    with sqlite3.connect(assistant.tracker_db) as db:
        senders = [row[0] for row in db.execute("select distinct sender_id from events")]
        dump = "\n".join(str(row) for row in db.execute("select * from events"))
    assert any(s.startswith("sms-") for s in senders)
    for digits in ("2125550142", "555-0142", "5550142"):
        assert digits not in dump
        assert digits not in (assistant.workdir / "rasa.log").read_text()


def test_long_answers_are_split_at_sentences(sms):
    texts = sms.text(phone(8), "what causes hair loss")
    assert len(texts) >= 2 and all(len(t) <= 320 for t in texts)
    assert all(t.rstrip().endswith((".", "?", "!", ")", "number.")) for t in texts)


@pytest.mark.parametrize("stop", ["Stop.", "stop!", " STOP ", "STOP ALL", "stop please", "OPTOUT", "Revoke"])
def test_opt_out_as_texters_write_it(sms, stop):
    number = phone(40 + ["Stop.", "stop!", " STOP ", "STOP ALL", "stop please", "OPTOUT", "Revoke"].index(stop))
    assert sms.text(number, stop) == []
    assert sms.text(number, "how much does it cost?") == []
    # YES opts back in a number that opted out.
    assert "subscribed again" in sms.text(number, "Yes")[0]
    assert "$3,000 to $10,000" in "\n".join(sms.text(number, "how much does it cost?"))


def test_a_red_flag_is_never_an_opt_out(sms):
    reply = "\n".join(sms.text(phone(50), "End it all"))
    assert "988" in reply
    assert "\n".join(sms.text(phone(50), "Stop the bleeding")) != ""
    # Still subscribed: the next question is answered.
    assert "$3,000 to $10,000" in "\n".join(sms.text(phone(50), "how much does it cost?"))


def test_yes_from_a_subscribed_number_is_an_answer_not_a_keyword(sms):
    assert sms.text(phone(51), "yes")  # "Great! Ask me anything...", not silence


@pytest.mark.parametrize("pick", ["1", "1.", "#1", "1)", "①"])
def test_numbered_option_written_any_way_picks_it(sms, pick):
    number = phone(60 + ["1", "1.", "#1", "1)", "①"].index(pick))
    sms.text(number, "how much does it cost?")  # ends "1. Yes, book 2. No, thanks"
    assert "/go/book?c=" in "\n".join(sms.text(number, pick))


@pytest.mark.parametrize("pick", ["0", "3", "11", "²0"])
def test_a_number_out_of_range_asks_for_1_or_2(sms, pick):
    number = phone(70 + ["0", "3", "11", "²0"].index(pick))
    sms.text(number, "how much does it cost?")
    assert sms.text(number, pick) == ["Please reply 1 or 2."]
    # The menu still stands.
    assert "/go/book?c=" in "\n".join(sms.text(number, "1"))


def test_superscript_two_picks_option_two_without_an_error(sms):
    sms.text(phone(80), "how much does it cost?")
    assert sms.text(phone(80), "²")  # "No, thanks", never a 500


def stored_lead(assistant, contact, timeout=10):
    """(name, city, channel) of the lead stored with this contact, once written."""
    deadline = time.monotonic() + timeout
    while True:
        with sqlite3.connect(assistant.leads_db) as db:
            rows = db.execute("select name, city, channel from leads where contact = ?", (contact,)).fetchall()
        if rows:
            return rows
        if time.monotonic() > deadline:
            raise AssertionError(f"no lead with {contact} stored in {timeout}s")
        time.sleep(0.1)


def to_the_contact_question(sms, number):
    sms.text(number, "book an appointment")
    assert "What's your name?" in sms.text(number, "1")[-1]  # 1. Yes, call me back
    return sms.text(number, "Sam Park")


def test_use_this_number_stores_the_texters_number_and_the_conversation_never_holds_it(sms, assistant, clinic_webhook):
    number = phone(91)
    question = to_the_contact_question(sms, number)
    assert question[-1].endswith(
        "What phone number or email should the clinic use?\n"
        "1. Use the number I'm texting from\nReply 1, or type your answer."
    )
    assert "city" in sms.text(number, "1")[-1]
    conversation = texter_id(number, assistant.env)
    # Until the lead is stored, the conversation holds the number sealed only.
    with sqlite3.connect(assistant.tracker_db) as db:
        data = [row[0] for row in db.execute("select data from events where sender_id = ?", (conversation,))]
    assert any("sealed-number:" in d for d in data) and not any("5550091" in d for d in data)
    assert "Thanks, Sam Park!" in sms.text(number, "Denver")[0]

    assert stored_lead(assistant, number) == [("Sam Park", "Denver", "twilio")]
    lead = clinic_webhook.wait_for_one(lambda lead: lead.get("name") == "Sam Park")
    assert lead["contact"] == number == "+12125550091"
    with sqlite3.connect(assistant.tracker_db) as db:
        rows = db.execute("select sender_id, type_name, intent_name, action_name, data from events").fetchall()
    assert any(row[0] == conversation and row[2] == "use_this_number" for row in rows)
    dump = "\n".join(str(row) for row in rows)
    for digits in ("2125550091", "555-0091", "5550091"):
        assert digits not in dump
        for log in ("rasa.log", "actions.log"):
            assert digits not in (assistant.workdir / log).read_text()
    # Not even sealed: the lead holds the number now.
    assert not any("sealed-number:" in row[4] for row in rows if row[0] == conversation)


def test_use_this_number_typed_out_asks_for_the_pick(sms, assistant):
    number = phone(92)
    to_the_contact_question(sms, number)
    texts = sms.text(number, "use the number I'm texting from")
    assert texts[0].startswith("To use the number you're texting from, reply 1.")
    assert texts[-1].endswith("1. Use the number I'm texting from\nReply 1, or type your answer.")
    # A number other than 1 beside the lone option is a typed answer.
    assert "doesn't look like a phone number" in sms.text(number, "2")[0]
    assert "city" in sms.text(number, "1")[-1]


PUBLIC_URL = "https://clinic.example/webhooks/twilio/webhook"
FORWARDED = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "clinic.example"}


def test_forwarded_url_counts_only_from_a_trusted_proxy(assistant, tmp_path):
    # The session's assistant trusts no proxy: headers anyone could send are
    # ignored, and the log says which URL the signature was checked against.
    untrusted = TwilioSender(f"{assistant.url}/webhooks/twilio/webhook", configured_url=PUBLIC_URL, headers=FORWARDED)
    refused = untrusted.post(untrusted.params(phone(40), "how much does it cost?"))
    assert refused.status_code == 403
    log = (assistant.workdir / "rasa.log").read_text()
    assert f"checked against {assistant.url}/webhooks/twilio/webhook" in log
    assert "TRUSTED_PROXIES" in log

    behind_proxy = Assistant(tmp_path, {"TRUSTED_PROXIES": "127.0.0.1"}).start(web=False)
    try:
        trusted = TwilioSender(
            f"{behind_proxy.url}/webhooks/twilio/webhook", configured_url=PUBLIC_URL, headers=FORWARDED
        )
        texts = trusted.text(phone(41), "how much does it cost?")
        assert any("$3,000 to $10,000" in t for t in texts)
    finally:
        behind_proxy.stop()
