"""SMS state kept in the tracker's database, shared by every Rasa server:
who asked not to be texted (STOP), keyed by the sender's hashed id, never the
phone number; and the reply given to each Twilio message, so that Twilio's
retry of a message (or a replay) gets the same reply and never a second turn.
A reply may repeat what the texter told us (their name): it is kept a day
(REPLY_KEEP), under the sender's hashed id, so `make forget` finds it.
"""

import datetime as dt
from typing import Any, Optional, Tuple

from sqlalchemy import Column, DateTime, String, Text, delete, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import declarative_base

from clinic_common.database import engine_for
from clinic_common.settings import get_settings

Base: Any = declarative_base()


class SmsOptOut(Base):
    __tablename__ = "sms_opt_outs"

    sender_id = Column(String(64), primary_key=True)
    opted_out_at = Column(DateTime, nullable=False, default=dt.datetime.utcnow)


class SmsReply(Base):
    """A Twilio message being answered (reply still empty) or answered."""

    __tablename__ = "sms_replies"

    message_sid = Column(String(64), primary_key=True)
    claimed_at = Column(DateTime, nullable=False, default=dt.datetime.utcnow, index=True)
    reply = Column(Text)
    sender_id = Column(String(64), index=True)


# Twilio retries within minutes; a day later a reply is only a copy of what
# the texter was told (their name, say), so it goes.
REPLY_KEEP = dt.timedelta(days=1)


def _engine() -> Engine:
    return engine_for(get_settings().tracker_db_url, Base.metadata)


def opt_out(sender_id: str) -> None:
    with _engine().begin() as db:
        if db.execute(select(SmsOptOut).where(SmsOptOut.sender_id == sender_id)).first() is None:
            db.execute(SmsOptOut.__table__.insert().values(sender_id=sender_id, opted_out_at=dt.datetime.utcnow()))


def opt_in(sender_id: str) -> None:
    with _engine().begin() as db:
        db.execute(delete(SmsOptOut).where(SmsOptOut.sender_id == sender_id))


def is_opted_out(sender_id: str) -> bool:
    with _engine().connect() as db:
        return db.execute(select(SmsOptOut.sender_id).where(SmsOptOut.sender_id == sender_id)).first() is not None


def claim(message_sid: str, abandoned_after: float, sender_id: str) -> Tuple[bool, Optional[str]]:
    """Claims a message for a turn: (True, None) if this server is to answer
    it; (False, reply) if it was answered already, or (False, None) while
    another request for it is being answered. A claim with no reply after
    `abandoned_after` seconds (its server died) is taken over."""
    sid = message_sid[:64]
    now = dt.datetime.utcnow()
    with _engine().begin() as db:
        db.execute(delete(SmsReply).where(SmsReply.claimed_at < now - REPLY_KEEP))
    try:
        with _engine().begin() as db:
            db.execute(SmsReply.__table__.insert().values(message_sid=sid, claimed_at=now, sender_id=sender_id))
        return True, None
    except IntegrityError:
        pass
    with _engine().begin() as db:
        row = db.execute(select(SmsReply.reply, SmsReply.claimed_at).where(SmsReply.message_sid == sid)).first()
        if row is None or row.reply is not None:
            return False, row.reply if row else None
        if (now - row.claimed_at).total_seconds() > abandoned_after:
            taken = db.execute(
                update(SmsReply)
                .where(SmsReply.message_sid == sid, SmsReply.claimed_at == row.claimed_at)
                .values(claimed_at=now)
            )
            return taken.rowcount == 1, None
    return False, None


def record_reply(message_sid: str, reply: str) -> None:
    with _engine().begin() as db:
        db.execute(update(SmsReply).where(SmsReply.message_sid == message_sid[:64]).values(reply=reply))


def reply_to(message_sid: str) -> Optional[str]:
    with _engine().connect() as db:
        return db.execute(select(SmsReply.reply).where(SmsReply.message_sid == message_sid[:64])).scalar()
