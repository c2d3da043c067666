"""Booking links that can be counted: each link shown to a visitor is a short
id on the assistant's own server (`<RASA_PUBLIC_URL>/go/book?c=<id>`), kept
with the conversation, channel and topic it was shown for; a click on it is
kept the same way (insights/redirect.py). Made by the action server
(actions/booking.py, actions/leads.py), followed on the Rasa server, deleted
by the privacy commands: shared here. No personal data: a texter's
conversation id is already a keyed hash, and nothing else about the visitor
is stored.

Both tables live in the conversation database (TRACKER_DB_URL), which every
Rasa server of a deployment shares, so any of them can answer a click.
"""

import datetime as dt
import logging
import re
import secrets
import string
from typing import Any, Optional
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sqlalchemy import Column, DateTime, Integer, String, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import declarative_base

from clinic_common.database import engine_for
from clinic_common.settings import get_settings

logger = logging.getLogger(__name__)

Base: Any = declarative_base()

# Letters and digits only: the widget renders replies as markdown, and an id
# like "PVGCzW_T_-U" came out with an emphasised "T", no longer the link it
# was. Eleven of 62 symbols are 65 random bits: short enough for a text
# message, too many to guess. Ids minted before (with "_" and "-") still open.
ID_ALPHABET = string.ascii_letters + string.digits
ID_LENGTH = 11
LINK_ID = re.compile(r"^[A-Za-z0-9_-]{8,32}$")
REDIRECT_PATH = "/go/book"
# `rasa shell` (staff testing) sees the tracked URL itself: its links would
# point at another server's store, and its conversations are not counted.
STAFF_CHANNEL = "cmdline"


class BookingLink(Base):
    __tablename__ = "booking_links"

    id = Column(String(32), primary_key=True)
    created_at = Column(DateTime, nullable=False, default=dt.datetime.utcnow, index=True)
    sender_id = Column(String(255), nullable=False, index=True)
    channel = Column(String(40), nullable=False)
    topic = Column(String(80))


class BookingClick(Base):
    __tablename__ = "booking_clicks"

    id = Column(Integer, primary_key=True)
    link_id = Column(String(32), nullable=False, index=True)
    clicked_at = Column(DateTime, nullable=False, default=dt.datetime.utcnow, index=True)
    sender_id = Column(String(255), nullable=False, index=True)
    channel = Column(String(40), nullable=False)
    topic = Column(String(80))


def engine(url: Optional[str] = None) -> Engine:
    return engine_for(url or get_settings().tracker_db_url, Base.metadata)


def booking_link(base_url: str, channel: str, topic: Optional[str]) -> str:
    """The booking URL with tracking parameters for the clinic's analytics.

    Any query string already in the configured URL is kept.
    """
    parts = urlsplit(base_url)
    query = dict(parse_qsl(parts.query))
    query.update(
        {
            "utm_source": "assistant",
            "utm_medium": channel,
            "utm_campaign": "free_assessment",
            "utm_content": topic or "direct",
        }
    )
    return urlunsplit(parts._replace(query=urlencode(query)))


def destination(channel: str, topic: Optional[str]) -> str:
    """The clinic's booking page with the tracking parameters the clinic's
    analytics already know, read when the link is followed: a changed
    booking page applies to links already sent."""
    return booking_link(get_settings().booking_url, channel, topic)


def mint(sender_id: str, channel: str, topic: Optional[str]) -> str:
    """Stores a new link for this conversation; returns its id."""
    link_id = "".join(secrets.choice(ID_ALPHABET) for _ in range(ID_LENGTH))
    with engine().begin() as connection:
        connection.execute(
            BookingLink.__table__.insert().values(
                id=link_id, created_at=dt.datetime.utcnow(), sender_id=sender_id, channel=channel, topic=topic
            )
        )
    return link_id


def shown_link(sender_id: str, channel: str, topic: Optional[str]) -> str:
    """The booking link to show a visitor: a counted short link, or, for the
    staff shell or while the conversation database cannot take it, the
    booking page itself (the visitor is never left without a link)."""
    public_url = get_settings().rasa_public_url.strip().rstrip("/")
    if channel == STAFF_CHANNEL or not public_url:
        return destination(channel, topic)
    try:
        link_id = mint(sender_id, channel, topic)
    except (SQLAlchemyError, OSError) as error:  # OSError: the SQLite file's folder
        logger.warning(
            "Could not store a booking link for conversation %s (%s): showing the page itself",
            sender_id,
            type(error).__name__,
        )
        return destination(channel, topic)
    return f"{public_url}{REDIRECT_PATH}?c={link_id}"


def find(link_id: str) -> Optional[BookingLink]:
    if not LINK_ID.match(link_id):
        return None
    with engine().connect() as connection:
        row = connection.execute(select(BookingLink.__table__).where(BookingLink.id == link_id)).first()
    return BookingLink(**row._mapping) if row else None


def record_click(link: BookingLink) -> None:
    with engine().begin() as connection:
        connection.execute(
            BookingClick.__table__.insert().values(
                link_id=link.id,
                clicked_at=dt.datetime.utcnow(),
                sender_id=link.sender_id,
                channel=link.channel,
                topic=link.topic,
            )
        )
