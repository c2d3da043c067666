"""Booking handoff: the clinic's booking link, and how to reach a person."""

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import WEB, channel_kind, channel_name, latest_topic
from actions.disclaimer import disclaim_if_first
from clinic_common.booking_links import shown_link
from clinic_common.settings import get_settings

CALL_BACK_BUTTONS = [
    {"title": "Yes, call me back", "payload": "/affirm"},
    {"title": "No, thanks", "payload": "/deny"},
]


class ActionBookingLink(Action):
    def name(self) -> Text:
        return "action_booking_link"

    def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[Dict[Text, Any]]:
        disclaim_if_first(dispatcher)
        url = shown_link(tracker.sender_id, channel_name(tracker), latest_topic(tracker))
        if channel_kind(tracker) == WEB:
            # A markdown link, not a link button: the widget keeps links in the
            # history, while its buttons vanish once the next message arrives.
            dispatcher.utter_message(text=f"[Book my free assessment]({url}) online.")
        else:
            # SMS and terminals cannot open a button: write the link out.
            dispatcher.utter_message(text=f"Book your free assessment here: {url}")
        dispatcher.utter_message(
            text="Or would you rather the clinic call you back?",
            buttons=CALL_BACK_BUTTONS,
        )
        return []


class ActionHumanHandoff(Action):
    def name(self) -> Text:
        return "action_human_handoff"

    def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[Dict[Text, Any]]:
        disclaim_if_first(dispatcher)
        settings = get_settings()
        text = (
            f"You can reach {settings.clinic_name} by phone at "
            f"{settings.clinic_phone} or by email at {settings.clinic_email}. "
            "Would you like them to call you back instead?"
        )
        dispatcher.utter_message(text=text, buttons=CALL_BACK_BUTTONS)
        return []
