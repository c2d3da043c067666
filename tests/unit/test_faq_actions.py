from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.faq import ActionAnswerLocations, ActionFaqFollowup
from tests.trackers import tracker_before_action


def run(action, tracker, domain):
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, tracker, domain)
    return dispatcher.messages, events


def test_first_answer_shows_disclaimer_and_remembers_topic(domain):
    tracker = tracker_before_action("faq_cost", "action_faq_followup")
    messages, events = run(ActionFaqFollowup(), tracker, domain)
    assert [m["response"] for m in messages] == ["utter_disclaimer"]
    assert SlotSet("last_topic", "cost") in events


def test_disclaimer_is_not_repeated_in_the_same_conversation(domain):
    # In the lead_form recording the visitor asks "does it hurt" after a
    # disclaimer-free booking; a second answer must not show it again.
    tracker = tracker_before_action("lead_form", "action_faq_followup")
    first, _ = run(ActionFaqFollowup(), tracker, domain)
    assert [m["response"] for m in first] == ["utter_disclaimer"]
    tracker.events.append(
        {"event": "bot", "text": "(General information only...)",
         "metadata": {"utter_action": "utter_disclaimer"}}
    )
    second, events = run(ActionFaqFollowup(), tracker, domain)
    assert second == []
    assert SlotSet("last_topic", "pain") in events


def test_disclaimer_shown_again_in_a_new_session(domain):
    tracker = tracker_before_action("lead_form", "action_faq_followup")
    tracker.events.append(
        {"event": "bot", "metadata": {"utter_action": "utter_disclaimer"}}
    )
    tracker.events.append({"event": "session_started"})
    messages, _ = run(ActionFaqFollowup(), tracker, domain)
    assert [m["response"] for m in messages] == ["utter_disclaimer"]


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
