"""Safety: telling the clinic that a patient reported an emergency.

The visitor's emergency reply never waits for this: it is a response
(utter_safety_emergency) sent before this action runs, and this action only
stores the alert and starts a background delivery. The clinic gets the
conversation id, the channel and the time, never the message or a diagnosis,
and only when the message ties the emergency to a treatment
(bot/safety/component.py records that).
"""

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import lead_store
from actions.conversation import channel_name

logger = logging.getLogger(__name__)

ALERT_TYPE = "post_treatment_emergency"


class ActionAlertClinic(Action):
    def name(self) -> Text:
        return "action_alert_clinic"

    def run(
        self,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: Dict[Text, Any],
    ) -> List[Dict[Text, Any]]:
        safety = tracker.latest_message.get("safety") or {}
        if safety.get("after_treatment"):
            # Stored first, like a lead, so that a webhook that is down or
            # unset loses nothing: `make retry-leads` sends it later. A lead
            # database that cannot take it neither: it waits in the spool.
            try:
                lead_store.keep_alert(type=ALERT_TYPE, sender_id=tracker.sender_id, channel=channel_name(tracker))
            except OSError as error:
                logger.error(
                    "Could not keep the clinic's alert for conversation %s anywhere (%s)",
                    tracker.sender_id,
                    type(error).__name__,
                )
                return []
            lead_store.deliver_in_background()
        return []
