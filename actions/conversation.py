"""What an action reads from the conversation so far: the kind of screen the
visitor reads our messages on, and the FAQ topic answered last.

The same action answers a web widget (buttons and links render), a text
message (plain text only, links written out) and a terminal or REST client.
"""

from typing import Optional

from rasa_sdk import Tracker

WEB = "web"
SMS = "sms"
TEXT = "text"

# Rasa input channel names, as reported by tracker.get_latest_input_channel().
_KINDS = {"socketio": WEB, "twilio": SMS}


def channel_name(tracker: Tracker) -> str:
    return tracker.get_latest_input_channel() or "unknown"


def channel_kind(tracker: Tracker) -> str:
    return _KINDS.get(channel_name(tracker), TEXT)


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
                return name[len(ANSWER_PREFIX) :]
            if name == LOCATIONS_ANSWER:
                return "locations"
    return None
