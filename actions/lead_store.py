"""Call-back requests (leads): stored first, then delivered to the clinic.

A lead is written to the actions' own database before anything else happens,
so a clinic webhook that is unset, down or slow loses nothing: the lead stays
`pending` and every later delivery run (the next lead, or `make retry-leads`
from cron) tries it again.

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


class Lead(Base):
    __tablename__ = "leads"

    id = Column(Integer, primary_key=True)
    created_at = Column(DateTime, nullable=False, default=dt.datetime.utcnow)
    sender_id = Column(String(255), nullable=False, index=True)
    name = Column(String(120), nullable=False)
    contact = Column(String(255), nullable=False)
    city = Column(String(120), nullable=False)
    channel = Column(String(40), nullable=False)
    topic = Column(String(80))
    status = Column(String(20), nullable=False, default=PENDING, index=True)
    attempts = Column(Integer, nullable=False, default=0)
    last_error = Column(Text)
    delivered_at = Column(DateTime)

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


def save_lead(**fields: object) -> Lead:
    with session() as db:
        lead = Lead(**fields)
        db.add(lead)
        db.commit()
        return lead


def pending_leads() -> List[Lead]:
    with session() as db:
        return db.query(Lead).filter(Lead.status == PENDING).order_by(Lead.id).all()


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
    """POSTs every pending lead to the clinic's webhook; returns how many went."""
    settings = get_settings()
    if not settings.webhook_url:
        return 0
    delivered = 0
    with _delivery_lock, session() as db:
        for lead in db.query(Lead).filter(Lead.status == PENDING).order_by(Lead.id):
            lead.attempts += 1
            try:
                post_signed(lead.payload())
            except requests.RequestException as error:
                lead.last_error = str(error)[:500]
                logger.warning("Lead %s not delivered yet: %s", lead.id, error)
                db.commit()
                # The webhook is unhealthy: leave the rest for the next run.
                break
            lead.status = DELIVERED
            lead.delivered_at = dt.datetime.utcnow()
            lead.last_error = None
            db.commit()
            delivered += 1
    return delivered


def deliver_in_background() -> threading.Thread:
    """Starts a delivery run without making the visitor wait for it."""
    thread = threading.Thread(target=deliver_pending, name="lead-delivery", daemon=True)
    thread.start()
    return thread


def main(argv: List[str]) -> None:
    if argv[1:] != ["retry"]:
        sys.exit("usage: python -m actions.lead_store retry")
    logging.basicConfig(level=logging.INFO)
    before = len(pending_leads())
    sent = deliver_pending()
    print(f"{sent} of {before} pending leads delivered")


if __name__ == "__main__":
    main(sys.argv)
