from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import latest_topic
from actions.faq import ActionAnswerLocations
from tests.trackers import action_replies, tracker_before_action


def run(action, tracker, domain):
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, tracker, domain)
    return action_replies(dispatcher), events


def test_latest_topic_is_the_last_faq_asked_in_this_session():
    tracker = tracker_before_action("lead_form", "action_submit_lead")
    assert latest_topic(tracker) == "pain"  # "does it hurt", asked mid-form
    assert latest_topic(tracker_before_action("booking_after_cost", "action_booking_link")) == "cost"


def test_no_topic_when_the_visitor_booked_straight_away():
    tracker = tracker_before_action("lead_form", "action_booking_link")
    assert latest_topic(tracker) is None


def test_locations_without_configured_clinics_points_to_website(domain):
    tracker = tracker_before_action("locations_texas", "action_answer_locations")
    messages, _ = run(ActionAnswerLocations(), tracker, domain)
    assert "https://www.yourhairclinic.com/" in messages[0]["text"]


def test_locations_confirms_a_configured_clinic_in_the_asked_state(domain, monkeypatch):
    monkeypatch.setenv("CLINIC_LOCATIONS", "Austin, Texas; Miami, Florida")
    tracker = tracker_before_action("locations_texas", "action_answer_locations")
    messages, _ = run(ActionAnswerLocations(), tracker, domain)
    assert messages[0]["text"] == "Yes, there's a clinic in Texas: Austin, Texas."


def test_locations_lists_clinics_when_none_in_the_asked_state(domain, monkeypatch):
    monkeypatch.setenv("CLINIC_LOCATIONS", "Miami, Florida")
    tracker = tracker_before_action("locations_texas", "action_answer_locations")
    messages, _ = run(ActionAnswerLocations(), tracker, domain)
    assert "no clinic listed in Texas" in messages[0]["text"]
    assert "Miami, Florida" in messages[0]["text"]


def clinic_facts_reply(intent, domain):
    from actions.clinic import ActionClinicFacts

    tracker = tracker_before_action("faq_cost", "action_listen", nth=2)
    tracker.latest_message = {"intent": {"name": intent}, "text": "?"}
    messages, _ = run(ActionClinicFacts(), tracker, domain)
    return messages[0]["text"]


def test_clinic_facts_unset_give_phone_and_email_not_a_guess(domain):
    for intent in ("clinic_hours", "clinic_doctors"):
        text = clinic_facts_reply(intent, domain)
        assert "+1 555-010-0199" in text and "info@yourhairclinic.com" in text


def test_clinic_facts_come_from_configuration(domain, monkeypatch):
    monkeypatch.setenv("CLINIC_HOURS", "Mon-Fri 9am-6pm, Sat 10am-2pm")
    monkeypatch.setenv("CLINIC_DOCTORS", "Dr. Jane Roe, board-certified dermatologist")
    assert "Sat 10am-2pm" in clinic_facts_reply("clinic_hours", domain)
    assert "Dr. Jane Roe, board-certified dermatologist" in clinic_facts_reply("clinic_doctors", domain)


def test_locations_answer_gives_the_configured_address_and_parking(domain, monkeypatch):
    monkeypatch.setenv("CLINIC_ADDRESS", "120 Main St, Austin, TX; free parking behind the building")
    tracker = tracker_before_action("locations_texas", "action_answer_locations")
    messages, _ = run(ActionAnswerLocations(), tracker, domain)
    assert messages[0]["text"] == "Address and parking: 120 Main St, Austin, TX; free parking behind the building."
