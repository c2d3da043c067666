"""GET /go/book?c=<id>: counts a click on a booking link and sends the
visitor on to the clinic's booking page, with its tracking parameters.

An input channel (credentials.yml) only because that is how a project adds a
route to Rasa's web server; it takes no messages. Its prefix is `/go`, not
`/webhooks/...`, to keep links short in text messages.

Whatever `c` holds (unknown, malformed, an injection attempt) the visitor
still lands on the booking page, and only a link this server handed out is
counted. So are HEAD requests and the link-preview robots that messaging
apps send when a link arrives: they are not the visitor clicking.
"""

import asyncio
import logging
import re
from typing import Any, Awaitable, Callable, Optional, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.exc import SQLAlchemyError

from clinic_common import booking_links

logger = logging.getLogger(__name__)

PREVIEW_AGENTS = re.compile(
    r"bot\b|crawler|spider|preview|facebookexternalhit|whatsapp|telegram|slack|discord|skype|"
    r"embedly|linkexpander|iframely|google-?read-?aloud",
    re.IGNORECASE,
)
UNKNOWN_CHANNEL = "unknown"


def _follow(link_id: str, count: bool) -> str:
    """Where the link sends the visitor; counts the click if asked to."""
    link: Optional[booking_links.BookingLink] = None
    try:
        link = booking_links.find(link_id)
        if link is not None and count:
            booking_links.record_click(link)
    except (SQLAlchemyError, OSError) as error:  # OSError: the SQLite file's folder
        logger.warning("Booking link click not counted: the conversation database answered %s", type(error).__name__)
    if link is None:
        return booking_links.destination(UNKNOWN_CHANNEL, None)
    return booking_links.destination(link.channel, link.topic)


class BookingRedirect(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return "booking_redirect"

    def url_prefix(self) -> Text:
        return "/go"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = Blueprint("clinic_booking_redirect", __name__)

        @blueprint.route("/book", methods=["GET", "HEAD"])
        async def book(request: Request) -> HTTPResponse:
            link_id = request.args.get("c") or ""
            count = request.method == "GET" and not PREVIEW_AGENTS.search(request.headers.get("user-agent", ""))
            target = await asyncio.to_thread(_follow, link_id, count)
            return response.redirect(
                target,
                status=302,
                headers={
                    "Cache-Control": "no-store",
                    "Referrer-Policy": "no-referrer",
                    "X-Robots-Tag": "noindex",
                },
            )

        return blueprint
