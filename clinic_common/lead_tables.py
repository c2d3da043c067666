"""The lead database's tables: call-back requests (leads) and
post-treatment emergency alerts, each with its delivery to the clinic's
webhook.

Written by the action server (actions/lead_store.py); read and deleted by the
privacy commands (bot/ops/privacy.py) and any staff tool, so the tables are
described once, here, and each side queries them through these models.
"""

import datetime as dt
from typing import Any, Dict

from sqlalchemy import Column, DateTime, Integer, String, Text
from sqlalchemy.orm import declarative_base

Base: Any = declarative_base()

PENDING = "pending"
SENDING = "sending"
DELIVERED = "delivered"
PARKED = "parked"
UNDELIVERED = (PENDING, SENDING, PARKED)


class _Delivery:
    """Columns every stored event shares: when it came, and its delivery."""

    id = Column(Integer, primary_key=True)
    created_at = Column(DateTime, nullable=False, default=dt.datetime.utcnow)
    sender_id = Column(String(255), nullable=False, index=True)
    channel = Column(String(40), nullable=False)
    status = Column(String(20), nullable=False, default=PENDING, index=True)
    attempts = Column(Integer, nullable=False, default=0)
    last_error = Column(Text)
    delivered_at = Column(DateTime)
    claimed_at = Column(DateTime)
    next_attempt_at = Column(DateTime)
    # Set on items that waited in the spool: the same file is never imported twice.
    spool_id = Column(String(32), unique=True, index=True)

    def idempotency_key(self) -> str:
        """The item's id and the moment it was stored: after a restore from a
        backup, SQLite hands out ids the clinic may already have seen, never
        with the same moment."""
        return f"{type(self).__name__.lower()}-{self.id}-{self.created_at:%Y%m%dT%H%M%S%f}"


class Alert(_Delivery, Base):
    """A patient reported an emergency after a treatment. No message text and
    no diagnosis: the clinic calls back with the conversation id."""

    __tablename__ = "alerts"

    type = Column(String(40), nullable=False)

    def payload(self) -> Dict[str, object]:
        return {
            "type": self.type,
            "alert_id": self.id,
            "conversation_id": self.sender_id,
            "channel": self.channel,
            "reported_at": self.created_at.replace(microsecond=0).isoformat() + "Z",
        }


class Lead(_Delivery, Base):
    __tablename__ = "leads"

    name = Column(String(120), nullable=False)
    contact = Column(String(255), nullable=False)
    city = Column(String(120), nullable=False)
    topic = Column(String(80))

    def payload(self) -> Dict[str, object]:
        return {
            "type": "lead",
            "lead_id": self.id,
            "created_at": self.created_at.isoformat() + "Z",
            "name": self.name,
            "contact": self.contact,
            "preferred_city": self.city,
            "channel": self.channel,
            "topic": self.topic,
        }
