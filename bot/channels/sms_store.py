"""SMS state kept in the tracker's database, shared by every Rasa server:
who asked not to be texted (STOP), keyed by the sender's hashed id, never the
phone number; and which Twilio messages were already handled (replays).
"""
import datetime as dt
import os

from sqlalchemy import Column, DateTime, String, delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import declarative_base

from bot.database import engine_for

Base = declarative_base()


class SmsOptOut(Base):
    __tablename__ = "sms_opt_outs"

    sender_id = Column(String(64), primary_key=True)
    opted_out_at = Column(DateTime, nullable=False, default=dt.datetime.utcnow)


class HandledMessage(Base):
    __tablename__ = "sms_handled_messages"

    message_sid = Column(String(64), primary_key=True)
    handled_at = Column(DateTime, nullable=False, default=dt.datetime.utcnow, index=True)


def _engine() -> Engine:
    return engine_for(os.environ["TRACKER_DB_URL"], Base.metadata)


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


def first_time(message_sid: str) -> bool:
    """Records a Twilio MessageSid; False if it was seen before."""
    try:
        with _engine().begin() as db:
            db.execute(
                HandledMessage.__table__.insert().values(
                    message_sid=message_sid[:64], handled_at=dt.datetime.utcnow()
                )
            )
        return True
    except IntegrityError:
        return False
