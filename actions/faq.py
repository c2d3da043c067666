"""The one FAQ answer that depends on configuration: where the clinic sees patients."""

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import LOCATIONS_ANSWER
from actions.disclaimer import disclaim_if_first
from clinic_common.settings import get_settings


def _matches(place: str, location: str) -> bool:
    return place.lower() in location.lower() or location.lower() in place.lower()


class ActionAnswerLocations(Action):
    """Where the clinic sees patients: configuration, not content."""

    def name(self) -> Text:
        return LOCATIONS_ANSWER

    def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[Dict[Text, Any]]:
        disclaim_if_first(dispatcher)
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
                text = f"There's no clinic listed in {asked} yet. Current locations: {listed}."
        else:
            text = f"The clinic sees patients in: {listed}."
        dispatcher.utter_message(text=text)
        return []
