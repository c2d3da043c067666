"""Phone numbers and emails out of visitors' messages, before any person or
file sees them (the page, the report, the review export)."""

import re

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# Seven digits or more, with the separators people type: +1 (212) 555-0142,
# 212.555.0142, 2125550142. Shorter figures ($3,000, 38.5) stay.
PHONE = re.compile(r"(?<![\w(+])\+?\(?\d(?:[\s().\-]{0,3}\d){6,}(?!\w)")
PHONE_MASK = "<phone>"
EMAIL_MASK = "<email>"


def mask(text: str) -> str:
    return PHONE.sub(PHONE_MASK, EMAIL.sub(EMAIL_MASK, text))
