"""What every channel does to a visitor's message before the assistant sees
it, and the reply when the assistant produced none.

Shared by the REST, socket.io and Twilio channels so that bad input is
treated the same way wherever it arrives.
"""
import logging
import os
import re
from typing import Any, Awaitable, Callable

logger = logging.getLogger(__name__)

# Far longer than any real question; a 100 KB paste is refused, not parsed.
MAX_MESSAGE_CHARS = 2000
MAX_SENDER_CHARS = 128
# C0/C1 control characters other than tab and newline: they carry no meaning
# in a chat, and PostgreSQL refuses NUL in text columns.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def clean_text(text: str) -> str:
    return _CONTROL.sub("", text).strip()


def apology() -> str:
    """Said when a turn produced no reply (an action failed, a service is
    down): never leave the visitor in silence."""
    phone = os.environ.get("CLINIC_PHONE", "")
    tail = f" or call the clinic at {phone}" if phone else ""
    return (
        "Sorry, I couldn't finish that just now. Please try again in a "
        f"moment{tail}."
    )


async def deliver(on_new_message: Callable[[Any], Awaitable[Any]], message: Any) -> None:
    """Hands a message to the assistant. A failure there (a store or lock
    outage) is logged, and the channel's no-reply apology covers the visitor."""
    try:
        await on_new_message(message)
    except Exception:
        logger.exception("Could not handle a %s message", message.input_channel)
