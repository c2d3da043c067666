"""Phone numbers in one form everywhere: E.164 (+15550100199).

The lead store keeps them so, the clinic's webhook receives them so, and
`make forget` looks them up so.
"""

import re


def e164(phone: str) -> str:
    """A phone number as +<country><number>. Ten digits are a US or Canadian
    number written without its country code (the clinic is in the US)."""
    digits = re.sub(r"\D", "", phone)
    if len(digits) == 10:
        digits = "1" + digits
    return "+" + digits
