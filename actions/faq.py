"""The start of a conversation, and the one answer that depends on configuration."""
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted
from rasa_sdk.executor import CollectingDispatcher

from actions.settings import get_settings

FAQ_PREFIX = "ask_"


def latest_topic(tracker: Tracker) -> Optional[str]:
    """The FAQ topic the visitor asked about last in this session, if any.

    It goes into the booking link's tracking parameters and the lead record,
    so the clinic sees which question led to a booking.
    """
    for event in reversed(tracker.events):
        if event.get("event") == "session_started":
            return None
        if event.get("event") == "user":
            intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name") or ""
            if intent.startswith(FAQ_PREFIX):
                return intent[len(FAQ_PREFIX):]
    return None


class ActionSessionStart(Action):
    """Starts each conversation with the medical disclaimer, once.

    A custom session start rather than a step after every answer: FAQ turns
    then run on rules alone, without a call to the action server.
    """

    def name(self) -> Text:
        return "action_session_start"

    def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[EventType]:
        dispatcher.utter_message(response="utter_disclaimer")
        return [SessionStarted(), ActionExecuted("action_listen")]


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
