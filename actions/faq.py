"""What follows an FAQ answer, and the one answer that depends on configuration."""
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.settings import get_settings

FAQ_PREFIX = "ask_"
DISCLAIMER = "utter_disclaimer"


def disclaimer_shown(tracker: Tracker) -> bool:
    """Whether this session already showed the medical disclaimer.

    Read from the conversation itself (Rasa records which response produced
    each bot message), so every path that shows it counts, and a new session
    shows it again.
    """
    for event in reversed(tracker.events):
        if event.get("event") == "session_started":
            return False
        if (
            event.get("event") == "bot"
            and (event.get("metadata") or {}).get("utter_action") == DISCLAIMER
        ):
            return True
    return False


class ActionFaqFollowup(Action):
    """Runs after every FAQ answer.

    Shows the medical disclaimer once per conversation and remembers the topic
    for the booking link. The offer of a free assessment that follows is a
    rule step (data/rules/faq.yml), left out while the lead form is active.
    """

    def name(self) -> Text:
        return "action_faq_followup"

    def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[Dict[Text, Any]]:
        if not disclaimer_shown(tracker):
            dispatcher.utter_message(response=DISCLAIMER)
        intent = tracker.get_intent_of_latest_message() or ""
        if intent.startswith(FAQ_PREFIX):
            return [SlotSet("last_topic", intent[len(FAQ_PREFIX):])]
        return []


def _matches(place: str, location: str) -> bool:
    return place.lower() in location.lower() or location.lower() in place.lower()


class ActionAnswerLocations(Action):
    """Where the clinic sees patients: configuration, not content."""

    def name(self) -> Text:
        return "action_answer_locations"

    def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[Dict[Text, Any]]:
        settings = get_settings()
        asked = next(tracker.get_latest_entity_values("location"), None)
        if asked and asked.islower():
            asked = asked.title()
        if not settings.locations:
            dispatcher.utter_message(
                text="You'll find the clinic's current locations at "
                f"{settings.booking_url}. At your free assessment the team "
                "can tell you which one is closest to you."
            )
            return []
        listed = "; ".join(settings.locations)
        if asked:
            near = [loc for loc in settings.locations if _matches(asked, loc)]
            if near:
                text = f"Yes, there's a clinic in {asked}: {'; '.join(near)}."
            else:
                text = (
                    f"There's no clinic listed in {asked} yet. "
                    f"Current locations: {listed}."
                )
        else:
            text = f"The clinic sees patients in: {listed}."
        dispatcher.utter_message(text=text)
        return []
