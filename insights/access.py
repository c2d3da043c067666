"""Who may read the staff page: whoever holds INSIGHTS_TOKEN, sent as
`Authorization: Bearer <token>` (scripts) or typed once into the sign-in
form, which sets a session cookie (HttpOnly, SameSite=Strict, Secure in
production). Never in a URL: proxies and access logs keep URLs.

The cookie holds an expiry and an HMAC of it keyed by the token, not the
token itself: it stops working when it expires or the token changes.
Every comparison is constant-time. With INSIGHTS_TOKEN empty the page is
closed to everyone.
"""

import hashlib
import hmac
import time
from typing import Optional

COOKIE = "clinic_insights"
SESSION_SECONDS = 12 * 3600


def _signature(token: str, expires: int) -> str:
    return hmac.new(token.encode(), f"insights-session:{expires}".encode(), hashlib.sha256).hexdigest()


def new_session(token: str, now: Optional[float] = None) -> str:
    expires = int(now if now is not None else time.time()) + SESSION_SECONDS
    return f"{expires}.{_signature(token, expires)}"


def session_is_valid(token: str, value: str, now: Optional[float] = None) -> bool:
    expires_text, _, signature = value.partition(".")
    if not token or not expires_text.isdigit() or len(expires_text) > 12:
        return False
    expires = int(expires_text)
    if expires < (now if now is not None else time.time()):
        return False
    return hmac.compare_digest(signature.encode(), _signature(token, expires).encode())


def token_matches(token: str, offered: str) -> bool:
    if not token:
        return False
    return hmac.compare_digest(offered.encode("utf-8", "replace"), token.encode())


def bearer(header: str) -> str:
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""
