"""Booking links as visitors get them: the assistant's counted short link
(clinic_common/booking_links.py), followed over HTTP as a browser would follow it."""

import re

import requests

SHORT_LINK = re.compile(r"https?://\S+?/go/book\?c=[\w-]+")


def link_in(text: str) -> str:
    found = SHORT_LINK.search(text)
    assert found, f"no booking link in {text!r}"
    return found.group(0)


def followed(url: str) -> str:
    """Where the link sends the visitor (the booking page, with tracking)."""
    answer = requests.get(url, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.status_code
    return answer.headers["Location"]
