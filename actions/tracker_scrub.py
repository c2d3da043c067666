"""Removes a call-back request's contact details from the conversation's
stored events once the lead holds them.

The lead store is where a phone number or email belongs; the conversation
store keeps every event as written, so the number typed into the form would
stay there in clear (in the user's message and in the slot event). Rasa's SQL
tracker store only ever appends, so rows already written are rewritten here,
in Rasa's own `events` table, through SQLAlchemy: the same statement on
SQLite and PostgreSQL. Only this conversation's rows are read.
"""

import json
import logging
from typing import Iterable, List, Optional

from sqlalchemy import create_engine, inspect, text

logger = logging.getLogger(__name__)

REMOVED = "[removed: stored with the call-back request]"


def typed_contact(events: Iterable[dict], contact: Optional[str]) -> Optional[str]:
    """The message in which the visitor typed the contact that was kept."""
    if not contact:
        return None
    last_user_text = None
    for event in events:
        if event.get("event") == "user":
            last_user_text = event.get("text")
        elif event.get("event") == "slot" and event.get("name") == "lead_contact" and event.get("value") == contact:
            return last_user_text
    return None


def _forms(value: str) -> List[str]:
    """The value as it may stand inside the stored JSON."""
    return sorted({value, json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1]}, key=len, reverse=True)


def scrub(tracker_db_url: str, sender_id: str, secrets: Iterable[Optional[str]]) -> int:
    """Replaces each secret in this conversation's stored events; returns how
    many events were rewritten."""
    needles = [form for secret in secrets if secret and len(secret.strip()) >= 5 for form in _forms(secret.strip())]
    if not tracker_db_url or not needles:
        return 0
    engine = create_engine(tracker_db_url)
    rewritten = 0
    try:
        if not inspect(engine).has_table("events"):
            return 0  # no conversation stored here (yet)
        with engine.begin() as db:
            rows = db.execute(
                text("SELECT id, data FROM events WHERE sender_id = :sender"), {"sender": sender_id}
            ).fetchall()
            for row_id, data in rows:
                if not data or not any(needle in data for needle in needles):
                    continue
                for needle in needles:
                    data = data.replace(needle, REMOVED)
                db.execute(text("UPDATE events SET data = :data WHERE id = :id"), {"data": data, "id": row_id})
                rewritten += 1
    finally:
        engine.dispose()
    return rewritten
