"""What goes to the clinic's webhook: call-back requests (leads) and
post-treatment emergency alerts. Each is stored first, then delivered.

Each is written to the actions' own database before anything else happens,
so a clinic webhook that is unset, down or slow loses nothing: it stays
`pending` and every later delivery run (the next lead or alert, or
`make retry-leads` from cron) tries it again, alerts first.

Usage: python -m actions.lead_store retry
"""
import datetime as dt
import hashlib
import hmac
import json
import logging
import sys
import threading
from typing import Dict, List

import requests
from sqlalchemy import Column, DateTime, Integer, String, Text
from sqlalchemy.orm import declarative_base, sessionmaker

from actions.settings import get_settings
from bot.database import engine_for

logger = logging.getLogger(__name__)

Base = declarative_base()

PENDING = "pending"
DELIVERED = "delivered"


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


# One delivery run at a time per process, so that two runs never POST the
# same pending lead twice.
_delivery_lock = threading.Lock()


def session():
    engine = engine_for(get_settings().leads_db_url, Base.metadata)
    return sessionmaker(bind=engine, future=True, expire_on_commit=False)()


def _save(model, **fields: object):
    with session() as db:
        row = model(**fields)
        db.add(row)
        db.commit()
        return row


def save_lead(**fields: object) -> Lead:
    return _save(Lead, **fields)


def save_alert(**fields: object) -> Alert:
    return _save(Alert, **fields)


def _pending_in(db, model):
    return db.query(model).filter(model.status == PENDING).order_by(model.id)


def _pending(model) -> list:
    with session() as db:
        return _pending_in(db, model).all()


def pending_alerts() -> List[Alert]:
    return _pending(Alert)


def pending_leads() -> List[Lead]:
    return _pending(Lead)


def post_signed(payload: Dict[str, object]) -> requests.Response:
    """POSTs one JSON event to the clinic's webhook, signed with
    X-Clinic-Signature: sha256=<HMAC-SHA256 of the body with CLINIC_WEBHOOK_SECRET>."""
    settings = get_settings()
    body = json.dumps(payload, separators=(",", ":")).encode()
    signature = hmac.new(settings.webhook_secret.encode(), body, hashlib.sha256).hexdigest()
    response = requests.post(
        settings.webhook_url,
        data=body,
        headers={"Content-Type": "application/json", "X-Clinic-Signature": f"sha256={signature}"},
        timeout=settings.webhook_timeout,
    )
    response.raise_for_status()
    return response


def deliver_pending() -> int:
    """POSTs every pending alert, then every pending lead, to the clinic's
    webhook; returns how many went."""
    settings = get_settings()
    if not settings.webhook_url:
        return 0
    delivered = 0
    with _delivery_lock, session() as db:
        for model in (Alert, Lead):
            for event in _pending_in(db, model):
                event.attempts += 1
                try:
                    post_signed(event.payload())
                except requests.RequestException as error:
                    event.last_error = str(error)[:500]
                    logger.warning("%s %s not delivered yet: %s", model.__name__, event.id, error)
                    db.commit()
                    # The webhook is unhealthy: leave the rest for the next run.
                    return delivered
                event.status = DELIVERED
                event.delivered_at = dt.datetime.utcnow()
                event.last_error = None
                db.commit()
                delivered += 1
    return delivered


def deliver_in_background() -> threading.Thread:
    """Starts a delivery run without making the visitor (or the emergency
    reply) wait for it."""
    thread = threading.Thread(target=deliver_pending, name="lead-delivery", daemon=True)
    thread.start()
    return thread


def main(argv: List[str]) -> None:
    if argv[1:] != ["retry"]:
        sys.exit("usage: python -m actions.lead_store retry")
    logging.basicConfig(level=logging.INFO)
    from bot.env import describe

    print("\n".join(describe()))
    before = len(pending_alerts()) + len(pending_leads())
    sent = deliver_pending()
    print(f"{sent} of {before} pending alerts and leads delivered")


if __name__ == "__main__":
    main(sys.argv)
