"""What kind of screen the visitor reads our messages on.

The same action answers a web widget (buttons and links render), a text
message (plain text only, links written out) and a terminal or REST client.
"""
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
