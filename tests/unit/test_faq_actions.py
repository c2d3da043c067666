from rasa_sdk.executor import CollectingDispatcher

from actions.faq import ActionAnswerLocations, latest_topic
from tests.trackers import tracker_before_action


def run(action, tracker, domain):
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, tracker, domain)
    return dispatcher.messages, events


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
