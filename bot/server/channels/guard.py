"""What every channel does to a visitor's message before the assistant sees
it, and the reply when the assistant produced none or the turn failed.

Shared by the REST, socket.io and Twilio channels so that bad input is
treated the same way wherever it arrives.
"""

import logging
import re
from typing import Any, Awaitable, Callable, List

from rasa.shared.core.events import Event, SlotSet
from rasa.shared.core.trackers import DialogueStateTracker

from bot.safety.screen import excerpt, screen
from clinic_common.settings import get_settings

logger = logging.getLogger(__name__)

# What a channel hands the assistant at most. A longer paste is cut to this,
# keeping its red-flag passages (bot/safety/screen.py reads all of it first),
# and the assistant asks for a shorter message unless it is an emergency:
# nobody is left in silence, and an emergency at the end is never lost.
MAX_MESSAGE_CHARS = 20_000
# A request body larger than this is refused (413) before it is parsed.
MAX_BODY_BYTES = 512 * 1024
MAX_SENDER_CHARS = 128
# C0/C1 control characters other than tab and newline: they carry no meaning
# in a chat, and PostgreSQL refuses NUL in text columns.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def clean_text(text: str) -> str:
    return _CONTROL.sub("", text).strip()


def prepare_text(raw: str) -> str:
    """A visitor's text as the assistant should see it: cleaned, cut to
    MAX_MESSAGE_CHARS with its red flags kept, and never read as an intent
    payload ("/greet") when it reports an emergency."""
    text = excerpt(clean_text(raw), MAX_MESSAGE_CHARS)
    if text.startswith("/") and screen(text).flagged:
        text = text.lstrip("/ ")
    return text


# Texters' conversation ids (bot/server/channels/twilio_sms.py). The REST channel
# and the widget take ids from the client, with no sign-in: they must never
# write into a texter's conversation.
SMS_PREFIX = "sms-"


def taken_by_sms(sender_id: str) -> bool:
    return sender_id.strip().lower().startswith(SMS_PREFIX)


def _or_call_the_clinic() -> str:
    phone = get_settings().clinic_phone
    return f" or call the clinic at {phone}" if phone else ""


def apology() -> str:
    """Said when a turn failed or produced no reply (an action failed, a
    store is down): never leave the visitor in silence."""
    return f"Sorry, I couldn't finish that just now. Please try again in a moment{_or_call_the_clinic()}."


def slow_down(retry_after: float) -> str:
    """Said to a sender over a rate limit (bot/server/channels/rate_limit.py). It
    names 911, as a person in trouble may be typing fast."""
    minutes = round(retry_after / 60)
    if retry_after <= 90:
        wait = "a minute"
    elif minutes <= 90:
        wait = f"{minutes} minutes"
    else:
        wait = f"{round(minutes / 60)} hours"
    return (
        "You're sending messages faster than I can answer. "
        f"Please wait {wait} and try again{_or_call_the_clinic()}. In an emergency, call 911."
    )


def error_summary(error: BaseException) -> str:
    """An error's class and first line, for logs: a database error's later
    lines quote the SQL parameters, which hold what the visitor typed."""
    first = str(error).strip().splitlines()[0][:300] if str(error).strip() else ""
    return f"{error.__class__.__name__}: {first}" if first else error.__class__.__name__


async def deliver(on_new_message: Callable[[Any], Awaitable[Any]], message: Any) -> bool:
    """Hands a message to the assistant; False if the turn failed (the
    conversation store or the lock store is down, say). Then nothing of the
    turn was stored, and the channel answers with failed_turn_reply()."""
    try:
        await on_new_message(message)
        return True
    except Exception as error:
        logger.error("Could not handle a %s message: %s", message.input_channel, error_summary(error))
        return False


SAFETY_INTENTS = ("emergency", "self_harm", "poisoning")


async def failed_turn_reply(agent: Any, text: str, sender_id: str, channel: str) -> str:
    """The reply to a message whose turn failed. Understanding a message
    needs no store, so an urgent one still gets its safety reply (911, 988,
    Poison Control, in its language) from the model and domain.yml; any
    other gets apology()."""
    try:
        parsed = await agent.parse_message(text)
        intent = (parsed.get("intent") or {}).get("name")
        if intent not in SAFETY_INTENTS:
            return apology()
        language: List[Event] = [
            SlotSet("language", e["value"]) for e in parsed.get("entities", []) if e.get("entity") == "language"
        ]
        tracker = DialogueStateTracker.from_events(sender_id, language, slots=agent.domain.slots)
        reply = await agent.nlg.generate(f"utter_safety_{intent}", tracker, channel)
        return (reply or {}).get("text") or apology()
    except Exception as error:  # no model loaded, say: the apology still goes out
        logger.error("No safety check for a failed %s turn: %s", channel, error_summary(error))
        return apology()
