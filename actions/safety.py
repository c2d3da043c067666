"""Safety: telling the clinic that a patient reported an emergency.

The visitor's emergency reply never waits for this: it is a response
(utter_safety_emergency) sent before this action runs, and this action only
starts a background POST. The clinic gets the conversation id, the channel and
the time, never the message or a diagnosis, and only when the message ties
the emergency to a treatment (bot/safety/component.py records that).
"""
import datetime as dt
import logging
import threading
from typing import Any, Dict, List, Text

import requests
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import lead_store
from actions.channels import channel_name
from actions.settings import get_settings

logger = logging.getLogger(__name__)

ALERT_TYPE = "post_treatment_emergency"


def alert_payload(tracker: Tracker) -> Dict[str, object]:
    return {
        "type": ALERT_TYPE,
        "conversation_id": tracker.sender_id,
        "channel": channel_name(tracker),
        "reported_at": dt.datetime.utcnow().replace(microsecond=0).isoformat() + "Z",
    }


def _send(payload: Dict[str, object]) -> None:
    try:
        lead_store.post_signed(payload)
    except requests.RequestException as error:
        # No personal data here: the conversation id is a random or hashed id.
        logger.error("Emergency alert for %s not delivered: %s", payload["conversation_id"], error)


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
        if safety.get("after_treatment") and get_settings().webhook_url:
            threading.Thread(
                target=_send, args=(alert_payload(tracker),), name="emergency-alert", daemon=True
            ).start()
        return []
