"""The FAQ topic of a conversation, and the one answer that depends on configuration."""
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.disclaimer import disclaim_if_first
from actions.settings import get_settings

ANSWER_PREFIX = "utter_ask_"
LOCATIONS_ANSWER = "action_answer_locations"


def latest_topic(tracker: Tracker) -> Optional[str]:
    """The FAQ topic the assistant answered last in this session, if any.

    It goes into the booking link's tracking parameters and the lead record,
    so the clinic sees which question led to a booking. It is read from the
    answers given, not from the intents guessed: a city typed into the
    call-back form ("Miami") may look like a locations question to the
    classifier, but the form took it, and no answer was given.
    """
    for event in reversed(tracker.events):
        if event.get("event") == "session_started":
            return None
        if event.get("event") == "action":
            name = event.get("name") or ""
            if name.startswith(ANSWER_PREFIX):
                return name[len(ANSWER_PREFIX):]
            if name == LOCATIONS_ANSWER:
                return "locations"
    return None


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
        disclaim_if_first(dispatcher, tracker)
        settings = get_settings()
        if settings.clinic_address:
            dispatcher.utter_message(text=f"Address and parking: {settings.clinic_address}.")
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
