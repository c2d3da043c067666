"""The phone number a text comes from, carried sealed to the action server.

On SMS the call-back form offers "use the number I'm texting from". The
conversation id is a keyed hash of that number (bot/server/channels/twilio_sms.py),
which cannot be turned back into it, and the number must never stand in the
conversation store in clear. So when the texter picks that option, the SMS
channel passes the number along in the message's metadata, encrypted
(Fernet: AES-128-CBC with an HMAC) under SMS_NUMBER_KEY and bound to the
conversation. The conversation store holds only that ciphertext (in the
message and the form's slot); the action server opens it to store the lead,
and then removes it from the stored conversation with the rest of the
contact details (actions/tracker_scrub.py).

Changing SMS_NUMBER_KEY only affects a pick made moments before: that
texter is asked for the number again.
"""

import base64
import hashlib
from typing import Optional

from cryptography.fernet import Fernet, InvalidToken

# The option's payload: an intent of its own (domain.yml), so that the form
# can tell the pick from a typed answer.
INTENT = "use_this_number"
PAYLOAD = f"/{INTENT}"
BUTTON = {"title": "Use the number I'm texting from", "payload": PAYLOAD}
# Where the sealed number travels in the message's metadata.
METADATA_KEY = "sealed_sender_number"
# Marks a slot value as sealed, never a contact anyone typed.
PREFIX = "sealed-number:"


def _fernet(key: str) -> Fernet:
    """Fernet wants 32 random bytes; the setting is any long random string."""
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(key.encode()).digest()))


def seal(number: str, conversation_id: str, key: str) -> str:
    token = _fernet(key).encrypt(f"{conversation_id}\n{number}".encode())
    return PREFIX + token.decode()


def is_sealed(value: object) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def opened(sealed: object, conversation_id: str, key: str) -> Optional[str]:
    """The number, if this was sealed with this key for this conversation;
    else None (another key, another conversation, or not sealed at all)."""
    if not is_sealed(sealed) or not key:
        return None
    try:
        content = _fernet(key).decrypt(str(sealed)[len(PREFIX) :].encode()).decode()
    except (InvalidToken, UnicodeDecodeError):
        return None
    owner, _, number = content.partition("\n")
    return number if owner == conversation_id and number else None
