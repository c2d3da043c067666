"""Privacy requests and retention: forget a person, purge old data.

Conversations live in Rasa's tracker store (the `events` table at
TRACKER_DB_URL); call-back requests in the actions' lead database
(LEADS_DB_URL). Both are plain SQL, so this works on SQLite and PostgreSQL.

Usage:
  python -m bot.privacy forget WHO     # phone number, email or conversation id
  python -m bot.privacy purge [DAYS]   # default: RETENTION_DAYS
"""
import datetime as dt
import os
import re
import sys
import time
from pathlib import Path
from typing import Dict, Iterable, List, Set

from sqlalchemy import bindparam, create_engine, inspect, text

from bot.contacts import e164


def _contacts(who: str) -> Set[str]:
    """How a lead may have stored this person's contact: E.164 now
    (actions/leads.py), digits as typed in leads stored before that."""
    who = who.strip()
    if "@" in who:
        return {who.lower()}
    digits = re.sub(r"\D", "", who)
    return {digits, "+" + digits, digits[1:] if len(digits) == 11 else digits, e164(who)}


def _sender_ids(who: str) -> Set[str]:
    ids = {who.strip()}
    if "@" not in who and len(re.sub(r"\D", "", who)) >= 10:
        # Imported here: it loads Rasa, which the page server (End chat) need not.
        from bot.channels.twilio_sms import sender_id_for

        key = os.environ.get("SMS_SENDER_HASH_KEY") or os.environ["TWILIO_AUTH_TOKEN"]
        ids.add(sender_id_for(e164(who), key))
    return ids


def _has_table(engine, name: str) -> bool:
    return inspect(engine).has_table(name)


def _delete_conversations(sender_ids: Iterable[str]) -> int:
    ids = sorted(set(sender_ids))
    engine = create_engine(os.environ["TRACKER_DB_URL"])
    if not ids or not _has_table(engine, "events"):
        return 0
    statement = text("DELETE FROM events WHERE sender_id IN :ids").bindparams(
        bindparam("ids", expanding=True)
    )
    with engine.begin() as db:
        return db.execute(statement, {"ids": ids}).rowcount


def forget(who: str, conversation_only: bool = False) -> Dict[str, int]:
    """Deletes a person's conversations and leads (and alerts about them).

    With `conversation_only` (the widget's "End chat"), `who` is a conversation
    id and nothing else: its digits are never read as a phone number (a random
    id must not reach a texter's or anyone's lead), and a call-back request or
    a safety alert made in that chat still reaches the clinic.
    """
    if conversation_only:
        return {"conversation_events": _delete_conversations([who.strip()]), "leads": 0, "alerts": 0}
    sender_ids = _sender_ids(who)
    leads = 0
    engine = create_engine(os.environ["LEADS_DB_URL"])
    if _has_table(engine, "leads"):
        match = text(
            "SELECT id, sender_id FROM leads WHERE contact IN :contacts OR sender_id IN :ids"
        ).bindparams(bindparam("contacts", expanding=True), bindparam("ids", expanding=True))
        with engine.begin() as db:
            rows = db.execute(match, {"contacts": sorted(_contacts(who)), "ids": sorted(sender_ids)}).all()
            sender_ids |= {row.sender_id for row in rows}
            if rows:
                remove = text("DELETE FROM leads WHERE id IN :lead_ids").bindparams(
                    bindparam("lead_ids", expanding=True)
                )
                leads = db.execute(remove, {"lead_ids": [row.id for row in rows]}).rowcount
    alerts = 0
    if sender_ids and _has_table(engine, "alerts"):
        remove = text("DELETE FROM alerts WHERE sender_id IN :ids").bindparams(bindparam("ids", expanding=True))
        with engine.begin() as db:
            alerts = db.execute(remove, {"ids": sorted(sender_ids)}).rowcount
    return {"conversation_events": _delete_conversations(sender_ids), "leads": leads, "alerts": alerts}


def purge(days: float) -> Dict[str, int]:
    cutoff = time.time() - days * 86400
    tracker = create_engine(os.environ["TRACKER_DB_URL"])
    stale: List[str] = []
    if _has_table(tracker, "events"):
        with tracker.connect() as db:
            stale = [row[0] for row in db.execute(text(
                "SELECT sender_id FROM events GROUP BY sender_id HAVING MAX(timestamp) < :cutoff"
            ), {"cutoff": cutoff})]
    removed = {"leads": 0, "alerts": 0}
    kept = 0
    # While a webhook is set, the clinic has not seen an undelivered lead or
    # alert yet: it is kept, however old. Without one, the lead database is
    # the clinic's record and ages out like the rest.
    only_delivered = " AND status = 'delivered'" if os.environ.get("CLINIC_WEBHOOK_URL", "").strip() else ""
    engine = create_engine(os.environ["LEADS_DB_URL"])
    for table in removed:
        if _has_table(engine, table):
            with engine.begin() as db:
                old = {"cutoff": dt.datetime.utcfromtimestamp(cutoff)}
                removed[table] = db.execute(
                    text(f"DELETE FROM {table} WHERE created_at < :cutoff{only_delivered}"), old
                ).rowcount
                kept += db.execute(text(f"SELECT COUNT(*) FROM {table} WHERE created_at < :cutoff"), old).scalar()
    return {"conversations": len(stale), "conversation_events": _delete_conversations(stale), **removed,
            "kept_undelivered": kept}


def _missing_sqlite(url: str) -> bool:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    return parsed.get_backend_name() == "sqlite" and bool(parsed.database) and not Path(parsed.database).exists()


def main(argv: List[str]) -> int:
    from bot.env import describe, load_defaults

    load_defaults()
    print("\n".join(describe()))
    missing = [url for url in (os.environ["TRACKER_DB_URL"], os.environ["LEADS_DB_URL"]) if _missing_sqlite(url)]
    if missing and len(missing) == 2:
        # A fresh install, or settings pointing elsewhere: say so, never crash.
        print(f"nothing stored yet: no database at {' or '.join(missing)}")
        return 0
    if len(argv) == 3 and argv[1] == "forget" and argv[2].strip():
        print(f"forgotten: {forget(argv[2])}")
        return 0
    if len(argv) in (2, 3) and argv[1] == "purge":
        days = float(argv[2]) if len(argv) == 3 else float(os.environ["RETENTION_DAYS"])
        print(f"purged data older than {days:g} days: {purge(days)}")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
