import asyncio
import re
import time

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import lead_store
from actions.leads import (
    ActionSubmitLead,
    AskLeadCity,
    AskLeadContact,
    AskLeadName,
    ValidateLeadForm,
    clean_city,
    clean_contact,
    clean_name,
)
from clinic_common import sms_number
from clinic_common.lead_tables import Lead
from tests.clinic_webhook import FakeClinicWebhook
from tests.trackers import tracker_before_action


@pytest.mark.parametrize(
    "text, name",
    [
        ("jane doe", "Jane Doe"),
        ("My name is Jane", "Jane"),
        ("i'm José Ruiz", "José Ruiz"),
        ("Mary-Ann O'Neil", "Mary-Ann O'Neil"),
    ],
)
def test_names_are_cleaned(text, name):
    assert clean_name(text) == name


@pytest.mark.parametrize("text", ["", "12345", "jane@example.com", "<script>", "a b c d e f g", "Yes", "ok"])
def test_non_names_are_refused(text):
    assert clean_name(text) is None


@pytest.mark.parametrize(
    "text, contact",
    [
        ("(212) 555-0142", "+12125550142"),
        ("+1 212 555 0142", "+12125550142"),
        ("1-212-555-0142", "+12125550142"),
        ("212.555.0142", "+12125550142"),
        ("Jane@Example.com", "jane@example.com"),
        ("email me at jane@example.com", "jane@example.com"),
    ],
)
def test_phone_numbers_and_emails_are_normalised(text, contact):
    assert clean_contact(text) == contact


@pytest.mark.parametrize("text", ["555", "call me maybe", "jane@", "12345678901234567890"])
def test_bad_contacts_are_refused(text):
    assert clean_contact(text) is None


def test_city_prefixes_are_dropped():
    assert clean_city("in austin") == "Austin"
    assert clean_city("42") is None


def test_validation_explains_a_bad_contact(domain):
    # The form's 4th run validates the contact the visitor just typed.
    tracker = tracker_before_action("lead_form", "lead_form", nth=4)
    assert tracker.latest_message["text"] == "jane@example.com"
    dispatcher = CollectingDispatcher()
    result = ValidateLeadForm().validate_lead_contact("call me", dispatcher, tracker, domain)
    assert result == {"lead_contact": None}
    assert "phone number or an email" in dispatcher.messages[0]["text"]


def test_contact_question_uses_the_name(domain):
    # The form's 3rd run asks for the contact again after an FAQ answer.
    tracker = tracker_before_action("lead_form", "lead_form", nth=3)
    assert tracker.get_slot("lead_name") == "Jane Doe"
    dispatcher = CollectingDispatcher()
    AskLeadContact().run(dispatcher, tracker, domain)
    assert dispatcher.messages[0]["text"].startswith("Thanks, Jane Doe.")


def submit(domain):
    tracker = tracker_before_action("lead_form", "action_submit_lead")
    dispatcher = CollectingDispatcher()
    started = time.monotonic()
    events = ActionSubmitLead().run(dispatcher, tracker, domain)
    return dispatcher.messages, events, time.monotonic() - started


def test_submitted_lead_is_stored_and_posted(domain, monkeypatch):
    with FakeClinicWebhook() as webhook:
        monkeypatch.setenv("CLINIC_WEBHOOK_URL", webhook.url)
        messages, events, _ = submit(domain)
        received = webhook.wait_for(1)
    assert received[0]["name"] == "Jane Doe"
    assert received[0]["contact"] == "jane@example.com"
    assert received[0]["preferred_city"] == "Austin"
    assert received[0]["channel"] == "rest"
    assert received[0]["topic"] == "pain"
    assert "http://localhost:5005/go/book?c=" in messages[0]["text"]
    assert SlotSet("lead_contact", None) in events
    _wait_until(lambda: not lead_store.pending_leads())


def test_slow_webhook_does_not_delay_the_visitor_and_lead_is_kept(domain, monkeypatch):
    with FakeClinicWebhook() as webhook:
        webhook.mode = "slow"
        webhook.slow_seconds = 5
        monkeypatch.setenv("CLINIC_WEBHOOK_URL", webhook.url)
        monkeypatch.setenv("CLINIC_WEBHOOK_TIMEOUT", "1")
        messages, _, took = submit(domain)
        assert took < 3
        assert "/go/book?c=" in messages[0]["text"]
        _wait_until(lambda: lead_store.pending_leads()[0].attempts == 1)
        pending = lead_store.pending_leads()
        assert len(pending) == 1 and "timed out" in pending[0].last_error


def test_lead_kept_while_webhook_down_and_sent_on_retry(domain, monkeypatch):
    with FakeClinicWebhook() as webhook:
        webhook.mode = "down"
        monkeypatch.setenv("CLINIC_WEBHOOK_URL", webhook.url)
        submit(domain)
        _wait_until(lambda: lead_store.pending_leads()[0].attempts == 1)
        # The background run POSTed this lead at once, and was refused.
        [refused] = webhook.attempted
        assert refused["contact"] == "jane@example.com"

        webhook.mode = "ok"
        assert lead_store.deliver_pending() == 1
        assert webhook.received == [refused]
        assert lead_store.pending_leads() == []
        # Delivered leads are not sent twice.
        assert lead_store.deliver_pending() == 0
        assert len(webhook.received) == 1


def test_lead_kept_when_no_webhook_is_configured(domain):
    submit(domain)
    background_runs_done()  # the run after the lead had no webhook to send it to
    pending = lead_store.pending_leads()
    assert [lead.contact for lead in pending] == ["jane@example.com"]


def background_runs_done():
    """The delivery run each new lead or alert starts, finished: one still
    running when the webhook comes back would deliver what the test's own run
    is to deliver."""
    import threading

    for thread in threading.enumerate():
        if thread.name == "lead-delivery":
            thread.join(timeout=10)
            assert not thread.is_alive(), "a background delivery run did not finish"


def _wait_until(condition, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except IndexError:
            pass
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def test_form_questions_ask_for_name_and_city(domain):
    tracker = tracker_before_action("lead_form", "lead_form", nth=1)
    for action, expected in ((AskLeadName(), "What's your name?"), (AskLeadCity(), "which city")):
        dispatcher = CollectingDispatcher()
        action.run(dispatcher, tracker, domain)
        assert expected in dispatcher.messages[0]["text"]


def extract(tracker, domain):
    return asyncio.run(ValidateLeadForm().extract_lead_contact(CollectingDispatcher(), tracker, domain))


def test_contact_is_taken_by_its_shape_whatever_the_intent(domain):
    tracker = tracker_before_action("lead_form", "lead_form", nth=4)
    tracker.latest_message = {
        **tracker.latest_message,
        "text": "212 555 0142",
        "intent": {"name": "human_handoff", "confidence": 0.9},
    }
    assert extract(tracker, domain) == {"lead_contact": "212 555 0142"}


def test_a_question_instead_of_a_contact_lets_the_rules_answer_it(domain):
    tracker = tracker_before_action("lead_form", "lead_form", nth=4)
    tracker.latest_message = {
        **tracker.latest_message,
        "text": "is it covered by insurance",
        "intent": {"name": "ask_insurance", "confidence": 0.9},
    }
    assert extract(tracker, domain) == {}


@pytest.mark.parametrize(
    "text",
    [
        "I Want To Kill Myself",
        "my chest hurts",
        "i can't breathe",
        "what is the price",
        "I have a fever",
        "please help me",
    ],
)
def test_sentences_and_symptoms_are_neither_names_nor_cities(text):
    assert clean_name(text) is None
    assert clean_city(text) is None


def test_real_names_and_cities_still_pass():
    assert clean_name("my name is maria lopez") == "Maria Lopez"
    assert clean_city("in New York") == "New York"
    assert clean_city("Des Moines") == "Des Moines"


def form_tracker_at_name(text, intent, confidence):
    tracker = tracker_before_action("lead_form", "action_submit_lead")
    tracker.slots["requested_slot"] = "lead_name"
    tracker.latest_message = {"text": text, "intent": {"name": intent, "confidence": confidence}}
    return tracker


@pytest.mark.parametrize(
    "text, intent, confidence, taken",
    [
        ("Sam Park", "ask_locations", 0.51, True),  # a name that sounds like parking
        ("Jordan Price", "ask_cost", 0.97, True),  # a full name, however sure the classifier
        ("pricing", "ask_cost", 0.98, False),
        ("what are the risks and how long is recovery?", "several_topics", 1.0, False),
        ("Maria Lopez", "greet", 0.4, True),
        ("exosomes", "ask_exosomes", 0.95, False),  # a question: the rules answer it
        ("how much is it?", "ask_cost", 0.45, False),
        ("my chest hurts", "emergency", 1.0, False),  # safety, never a name
        ("no", "deny", 0.9, False),
    ],
)
def test_the_name_step_takes_names_not_questions(text, intent, confidence, taken):
    from actions.leads import ValidateLeadForm

    tracker = form_tracker_at_name(text, intent, confidence)
    extracted = asyncio.run(ValidateLeadForm().extract_lead_name(CollectingDispatcher(), tracker, {}))
    assert extracted == ({"lead_name": text} if taken else {})


def _emergency_after_treatment_tracker():
    from rasa_sdk import Tracker

    message = {
        "text": "i had my injections yesterday and now i have a fever of 103",
        "intent": {"name": "emergency", "confidence": 1.0},
        "safety": {"outcome": "emergency", "after_treatment": True},
    }
    return Tracker("visitor-7", {}, message, [], False, None, None, "utter_safety_emergency")


def test_emergency_alert_kept_while_webhook_down_and_sent_first_on_retry(domain, monkeypatch):
    from actions.safety import ActionAlertClinic

    with FakeClinicWebhook() as webhook:
        webhook.mode = "down"
        monkeypatch.setenv("CLINIC_WEBHOOK_URL", webhook.url)
        submit(domain)  # a lead waiting too
        ActionAlertClinic().run(CollectingDispatcher(), _emergency_after_treatment_tracker(), domain)
        _wait_until(lambda: lead_store.pending_alerts()[0].attempts >= 1)
        background_runs_done()
        # A background run POSTed the alert at once, and was refused.
        [refused] = [p for p in webhook.attempted if p["type"] == "post_treatment_emergency"]

        webhook.mode = "ok"
        assert lead_store.deliver_pending() == 2
        alert, lead = webhook.received
        assert alert == refused
        assert alert["type"] == "post_treatment_emergency" and alert["conversation_id"] == "visitor-7"
        assert "fever" not in str(alert) and "injections" not in str(alert)
        assert lead["type"] == "lead"
        assert lead_store.pending_alerts() == [] and lead_store.deliver_pending() == 0


def test_emergency_alert_kept_when_no_webhook_is_configured(domain):
    from actions.safety import ActionAlertClinic

    ActionAlertClinic().run(CollectingDispatcher(), _emergency_after_treatment_tracker(), domain)
    assert [a.sender_id for a in lead_store.pending_alerts()] == ["visitor-7"]


def _lead(contact):
    return lead_store.save_lead(
        sender_id=f"web-{contact}", name="Pat Lee", contact=contact, city="Austin", channel="rest", topic="cost"
    )


def test_a_refused_lead_does_not_hold_up_the_others_and_is_parked_in_the_end(monkeypatch):
    with FakeClinicWebhook() as webhook:
        monkeypatch.setenv("CLINIC_WEBHOOK_URL", webhook.url)
        webhook.reject_contacts = {"bad@example.com"}
        _lead("bad@example.com")
        _lead("good@example.com")
        assert lead_store.deliver_pending() == 1
        assert [r["contact"] for r in webhook.received] == ["good@example.com"]
        # The refused one waits out its backoff before the next background run...
        assert lead_store.deliver_pending(due_only=True) == 0
        # ...and is parked, for a person, after MAX_ATTEMPTS refusals.
        for _ in range(lead_store.MAX_ATTEMPTS - 1):
            lead_store.deliver_pending()
        assert lead_store.undelivered_counts() == {"pending": 0, "sending": 0, "parked": 1}
        assert webhook.attempts == lead_store.MAX_ATTEMPTS + 1
        assert lead_store.deliver_pending() == 0  # parked: never sent again by itself


def test_every_post_carries_the_items_idempotency_key(monkeypatch):
    with FakeClinicWebhook() as webhook:
        monkeypatch.setenv("CLINIC_WEBHOOK_URL", webhook.url)
        lead = _lead("key@example.com")
        lead_store.deliver_pending()
        assert webhook.headers[0]["Idempotency-Key"] == f"lead-{lead.id}-{lead.created_at:%Y%m%dT%H%M%S%f}"
        assert webhook.received[0]["lead_id"] == lead.id


def test_a_lead_that_reuses_a_deleted_leads_id_gets_a_key_of_its_own(monkeypatch):
    """SQLite hands out a deleted row's id again (after a restore from a
    backup, say): the clinic, which de-duplicates on the key, must still take
    the new lead."""
    with FakeClinicWebhook() as webhook:
        monkeypatch.setenv("CLINIC_WEBHOOK_URL", webhook.url)
        first = _lead("first@example.com")
        lead_store.deliver_pending()
        with lead_store.session() as db:
            db.query(Lead).delete()
            db.commit()
        second = _lead("second@example.com")
        lead_store.deliver_pending()
    assert second.id == first.id
    keys = [headers["Idempotency-Key"] for headers in webhook.headers]
    assert len(keys) == 2 and keys[0] != keys[1]


def test_two_delivery_processes_at_once_send_each_lead_once(monkeypatch, tmp_path):
    """`make retry-leads` from cron while an action server delivers: two
    processes, one database. Each lead is claimed by exactly one of them."""
    import os
    import subprocess
    import sys

    from tests.servers import ROOT

    with FakeClinicWebhook() as webhook:
        webhook.mode = "slow"
        webhook.slow_seconds = 0.3
        for n in range(6):
            _lead(f"visitor{n}@example.com")
        env = {**os.environ, "CLINIC_WEBHOOK_URL": webhook.url, "CLINIC_WEBHOOK_TIMEOUT": "5"}
        runs = [
            subprocess.Popen(
                [sys.executable, "-m", "actions.lead_store", "retry"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for _ in range(2)
        ]
        outputs = [run.communicate(timeout=60)[0] for run in runs]
        contacts = [r["contact"] for r in webhook.received]
        assert sorted(contacts) == sorted(f"visitor{n}@example.com" for n in range(6)), outputs
        assert all(run.returncode == 0 for run in runs), outputs


def test_retry_exits_non_zero_while_a_webhook_is_set_and_leads_wait(monkeypatch):
    with FakeClinicWebhook() as webhook:
        webhook.mode = "down"
        monkeypatch.setenv("CLINIC_WEBHOOK_URL", webhook.url)
        _lead("wait@example.com")
        assert lead_store.main(["lead_store", "retry"]) == 1
        webhook.mode = "ok"
        assert lead_store.main(["lead_store", "retry"]) == 0
    monkeypatch.setenv("CLINIC_WEBHOOK_URL", "")
    _lead("kept@example.com")  # no webhook: the lead database is the record
    assert lead_store.main(["lead_store", "retry"]) == 0


@pytest.mark.parametrize("channel", ["twilio", "socketio", "rest"])
def test_the_first_question_gives_the_privacy_notice_briefly_and_no_carrier_keyword(domain, channel):
    from bot.server.channels.sms_format import for_sms, segments
    from bot.server.channels.sms_keywords import KEYWORDS

    tracker = tracker_before_action("lead_form", "lead_form", nth=1, input_channel=channel)
    dispatcher = CollectingDispatcher()
    AskLeadName().run(dispatcher, tracker, domain)
    text = dispatcher.messages[0]["text"]
    assert text.startswith("We'll use your name and contact only to arrange your call back.")
    assert "https://www.yourhairclinic.com/privacy" in text and "What's your name?" in text
    if channel == "socketio":
        assert "[Privacy policy](https://www.yourhairclinic.com/privacy)" in text
    else:
        assert "Privacy policy: https://www.yourhairclinic.com/privacy" in text
    # One or two segments as a text, never a word a carrier reads as a keyword.
    assert segments(for_sms(text)) <= 2
    words = {w.upper() for w in re.findall(r"[A-Za-z]+", text)}
    assert not words & KEYWORDS, words & KEYWORDS


def submit_sealed(domain, monkeypatch, sealed_with):
    """The texter picked "use the number I'm texting from"; the servers' key
    is now SMS_NUMBER_KEY=current-key."""
    monkeypatch.setenv("SMS_NUMBER_KEY", "current-key")
    tracker = tracker_before_action("lead_form", "action_submit_lead", input_channel="twilio")
    tracker.slots["lead_contact"] = sms_number.seal("+12125550142", tracker.sender_id, sealed_with)
    dispatcher = CollectingDispatcher()
    events = ActionSubmitLead().run(dispatcher, tracker, domain)
    return dispatcher.messages, events


def test_a_sealed_number_is_stored_open_as_the_leads_contact(domain, monkeypatch):
    messages, _ = submit_sealed(domain, monkeypatch, sealed_with="current-key")
    assert messages[0]["text"].startswith("Thanks, Jane Doe!")
    assert [(lead.contact, lead.channel) for lead in lead_store.pending_leads()] == [("+12125550142", "twilio")]


def test_a_sealed_number_that_no_longer_opens_stores_nothing_and_says_so(domain, monkeypatch):
    # SMS_NUMBER_KEY changed between the texter's pick and the last answer.
    messages, events = submit_sealed(domain, monkeypatch, sealed_with="previous-key")
    assert messages[0]["text"] == "Sorry, I couldn't save your request. Please call the clinic at +1 555-010-0199."
    assert lead_store.pending_leads() == []
    assert SlotSet("lead_contact", None) in events


def test_only_texters_are_offered_their_own_number(domain):
    for channel, offered in (("twilio", [sms_number.BUTTON]), ("socketio", []), ("rest", [])):
        tracker = tracker_before_action("lead_form", "lead_form", nth=3, input_channel=channel)
        dispatcher = CollectingDispatcher()
        AskLeadContact().run(dispatcher, tracker, domain)
        assert dispatcher.messages[0]["buttons"] == offered, channel
