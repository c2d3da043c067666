"""Privacy requests and retention: find or forget a person, purge old data.

Conversations live in Rasa's tracker store (the `events` table at
TRACKER_DB_URL, beside the SMS channel's `sms_replies`); call-back requests
and alerts in the actions' lead database (LEADS_DB_URL, its tables described
once in clinic_common/lead_tables.py), or in the lead spool while that
database cannot take them (LEADS_SPOOL_DIR). Plain SQL on Rasa's and the SMS
channel's tables, SQLAlchemy queries on the lead tables, and files, so this
works on SQLite and PostgreSQL.

A person is found by:
- a conversation id;
- a phone number: the texter's hashed conversation id, and leads with it;
- a phone number or email as they typed it, in any conversation: a call-back
  form left half-way keeps it in the message and the slot, with no lead;
- the conversations of every lead found.

What this cannot reach is said, not hidden: copies already delivered to the
clinic's webhook, backups, Twilio's own message log.

Usage:
  python -m bot.ops.privacy find WHO       # what is held, deleting nothing
  python -m bot.ops.privacy forget WHO     # phone number, email or conversation id
  python -m bot.ops.privacy purge [DAYS]   # default: RETENTION_DAYS
"""

import datetime as dt
import json
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, Iterable, Iterator, List, Optional, Set, TypeGuard

from sqlalchemy import bindparam, create_engine, delete, func, inspect, or_, select, text
from sqlalchemy.engine import Engine

from clinic_common import lead_spool
from clinic_common.booking_links import BookingClick, BookingLink
from clinic_common.contacts import e164
from clinic_common.database import sqlite_path
from clinic_common.lead_tables import DELIVERED, Alert, Lead
from clinic_common.settings import describe, get_settings

# The SMS channel's tables (bot/server/channels/sms_store.py), named here rather
# than imported: that module loads nothing heavy, but its engine would create
# the tracker database just to look into it.
SMS_REPLIES = "sms_replies"
SMS_OPT_OUTS = "sms_opt_outs"
SMS_REPLY_KEEP = dt.timedelta(days=1)

PHONE_SHAPE = re.compile(r"^\+?[\d\s().\-]+$")
# Between the digits of a phone number as people type it: 212 555-0142, (212) 555.0142.
_SEPARATORS = r"[\s().\-]*"


def looks_like_phone(who: str) -> bool:
    return bool(PHONE_SHAPE.match(who.strip())) and 10 <= len(re.sub(r"\D", "", who)) <= 15


def _contacts(who: str) -> Set[str]:
    """How a lead may have stored this person's contact: E.164 now
    (actions/leads.py), digits as typed in leads stored before that."""
    who = who.strip()
    if "@" in who:
        return {who.lower()}
    digits = re.sub(r"\D", "", who)
    return {digits, "+" + digits, digits[1:] if len(digits) == 11 else digits, e164(who)}


def _typed(who: str) -> Optional[Callable[[str], bool]]:
    """A test for a phone number or email inside what someone typed, however
    it was written; None for anything else (a conversation id)."""
    who = who.strip()
    if "@" in who:
        email = re.compile(rf"(?<![\w.+-]){re.escape(who)}(?![\w-]|\.\w)", re.IGNORECASE)
        return lambda value: email.search(value) is not None
    if not looks_like_phone(who):
        return None
    digits = e164(who)[1:]
    if len(digits) == 11 and digits.startswith("1"):  # the US: the 1 is often left out
        prefix, digits = rf"(?:\+?{_SEPARATORS}1{_SEPARATORS})?", digits[1:]
    else:
        prefix = rf"(?:(?:\+|00){_SEPARATORS})?"
    phone = re.compile(rf"(?<!\d){prefix}{_SEPARATORS.join(digits)}(?!\d)")
    return lambda value: phone.search(value) is not None


def _sender_ids(who: str) -> Set[str]:
    ids = {who.strip()}
    if looks_like_phone(who):
        # Imported here: it loads Rasa, which the page server (End chat) need not.
        from bot.server.channels.twilio_sms import sender_id_for

        ids.add(sender_id_for(e164(who), get_settings().sms_sender_hash_key))
    return ids


def _engine(url: str) -> Optional[Engine]:
    """The database, or None while a SQLite one has not been made yet (looking
    into it must not create it, nor its tables)."""
    path = sqlite_path(url)
    if path is not None and not path.exists():
        return None
    return create_engine(url)


def _has_table(engine: Optional[Engine], name: str) -> TypeGuard[Engine]:
    return engine is not None and inspect(engine).has_table(name)


def _in(statement: str, *names: str):
    return text(statement).bindparams(*(bindparam(name, expanding=True) for name in names))


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _conversations_typed_in(tracker: Optional[Engine], matches: Callable[[str], bool]) -> Set[str]:
    """Conversations in which someone typed it (their messages and the form's
    slots; never the assistant's replies, which carry the clinic's own phone)."""
    found: Set[str] = set()
    if not _has_table(tracker, "events"):
        return found
    query = text("SELECT sender_id, data FROM events WHERE type_name IN ('user', 'slot')")
    with tracker.connect() as db:
        for sender_id, data in db.execution_options(stream_results=True, yield_per=2000).execute(query):
            if sender_id in found or not data:
                continue
            try:
                values = _strings(json.loads(data))
            except ValueError:
                values = iter([data])
            if any(matches(value) for value in values):
                found.add(sender_id)
    return found


@dataclass
class Found:
    """What is held about one person, by where it is."""

    conversations: Set[str] = field(default_factory=set)  # every id to delete
    stored: Set[str] = field(default_factory=set)  # of which the conversation store holds
    typed_in: Set[str] = field(default_factory=set)  # of which found by what they typed
    conversation_events: int = 0
    leads: List[int] = field(default_factory=list)
    alerts: List[int] = field(default_factory=list)
    sms_replies: int = 0
    spooled: List[Path] = field(default_factory=list)
    delivered: List[str] = field(default_factory=list)  # "lead 12 on 2026-11-26"
    sms_opt_out: bool = False

    def counts(self) -> Dict[str, int]:
        return {
            "conversations": len(self.stored),
            "conversation_events": self.conversation_events,
            "leads": len(self.leads),
            "alerts": len(self.alerts),
            "sms_replies": self.sms_replies,
            "spooled": len(self.spooled),
        }


class NotAPerson(ValueError):
    """WHO names the clinic itself: every conversation would match."""


def find(who: str) -> Found:
    who = who.strip()
    clinic_phone, clinic_email = get_settings().clinic_phone, get_settings().clinic_email
    if (looks_like_phone(who) and clinic_phone and e164(who) == e164(clinic_phone)) or (
        clinic_email and who.lower() == clinic_email.strip().lower()
    ):
        raise NotAPerson("that is the clinic's own phone or email: it is in every conversation")
    tracker, leads = _engine(get_settings().tracker_db_url), _engine(get_settings().leads_db_url)
    found = Found()
    found.conversations = _sender_ids(who)
    matches = _typed(who)
    if matches is not None:
        found.typed_in = _conversations_typed_in(tracker, matches)
        found.conversations |= found.typed_in
    contacts = _contacts(who)

    for model, kind in ((Lead, "lead"), (Alert, "alert")):
        if not _has_table(leads, model.__tablename__):
            continue
        theirs = model.sender_id.in_(sorted(found.conversations))
        if model is Lead:
            theirs = or_(theirs, Lead.contact.in_(sorted(contacts)))
        query = select(model.id, model.sender_id, model.status, model.delivered_at).where(theirs)
        with leads.connect() as db:
            rows = db.execute(query).all()
        getattr(found, f"{kind}s").extend(row.id for row in rows)
        found.delivered += [
            f"{kind} {row.id} on {str(row.delivered_at)[:10]}" for row in rows if row.status == DELIVERED
        ]
        if model is Lead:
            found.conversations |= {row.sender_id for row in rows}

    for path in lead_spool.waiting():
        try:
            fields = lead_spool.read(path)["fields"]
        except (ValueError, KeyError, TypeError):
            continue
        if fields.get("contact") in contacts or fields.get("sender_id") in found.conversations:
            found.spooled.append(path)
            found.conversations.add(str(fields.get("sender_id")))

    ids = sorted(found.conversations)
    if _has_table(tracker, "events"):
        with tracker.connect() as db:
            per_conversation = db.execute(
                _in("SELECT sender_id, COUNT(*) FROM events WHERE sender_id IN :ids GROUP BY sender_id", "ids"),
                {"ids": ids},
            ).all()
        found.stored = {sender_id for sender_id, _ in per_conversation}
        found.conversation_events = sum(count for _, count in per_conversation)
    if _has_table(tracker, SMS_REPLIES):
        with tracker.connect() as db:
            found.sms_replies = db.execute(
                _in(f"SELECT COUNT(*) FROM {SMS_REPLIES} WHERE sender_id IN :ids", "ids"), {"ids": ids}
            ).scalar()
    if _has_table(tracker, SMS_OPT_OUTS):
        with tracker.connect() as db:
            found.sms_opt_out = (
                db.execute(
                    _in(f"SELECT COUNT(*) FROM {SMS_OPT_OUTS} WHERE sender_id IN :ids", "ids"), {"ids": ids}
                ).scalar()
                > 0
            )
    return found


def _delete_conversations(sender_ids: Iterable[str]) -> int:
    ids = sorted(set(sender_ids))
    engine = _engine(get_settings().tracker_db_url)
    if not ids or not _has_table(engine, "events"):
        return 0
    # The booking links shown in it, and their clicks, name it too.
    linked = [model for model in (BookingLink, BookingClick) if _has_table(engine, model.__tablename__)]
    with engine.begin() as db:
        for model in linked:
            db.execute(delete(model).where(model.sender_id.in_(ids)))
        return db.execute(_in("DELETE FROM events WHERE sender_id IN :ids", "ids"), {"ids": ids}).rowcount


def forget(who: str, conversation_only: bool = False) -> Dict[str, int]:
    """Deletes a person's conversations, the SMS replies sent them, their
    leads and alerts (stored or spooled); returns how many of each.

    With `conversation_only` (the widget's "End chat"), `who` is a conversation
    id and nothing else: its digits are never read as a phone number (a random
    id must not reach a texter's or anyone's lead), and a call-back request or
    a safety alert made in that chat still reaches the clinic.
    """
    if conversation_only:
        return {"conversation_events": _delete_conversations([who.strip()]), "leads": 0, "alerts": 0}
    return remove(find(who))


def remove(found: Found) -> Dict[str, int]:
    """Deletes everything `find` found."""
    counts = found.counts()
    leads = _engine(get_settings().leads_db_url)
    for model, ids in ((Lead, found.leads), (Alert, found.alerts)):
        if ids and _has_table(leads, model.__tablename__):
            with leads.begin() as db:
                counts[model.__tablename__] = db.execute(delete(model).where(model.id.in_(ids))).rowcount
    for path in found.spooled:
        lead_spool.remove(path)
    tracker = _engine(get_settings().tracker_db_url)
    if _has_table(tracker, SMS_REPLIES):
        with tracker.begin() as db:
            counts["sms_replies"] = db.execute(
                _in(f"DELETE FROM {SMS_REPLIES} WHERE sender_id IN :ids", "ids"), {"ids": sorted(found.conversations)}
            ).rowcount
    counts["conversation_events"] = _delete_conversations(found.conversations)
    return counts


def out_of_reach(who: str, found: Found) -> List[str]:
    """What this command cannot delete, for the person who ran it to act on."""
    from bot.ops.backup import backup_dir, keep_days, list_backups

    notes = []
    if found.delivered:
        notes.append(
            f"Already delivered to the clinic's webhook: {', '.join(found.delivered)}. "
            "Delete those copies in the clinic's own system too."
        )
    backups = list_backups()
    if backups:
        notes.append(
            f"{len(backups)} backups in {backup_dir()} (made {backups[0].created_at:%Y-%m-%d} to "
            f"{backups[-1].created_at:%Y-%m-%d}) still hold what was stored when each was made; "
            f"each is deleted {keep_days():g} days after it was made (BACKUP_KEEP_DAYS), the last "
            f"of these after {backups[-1].expires_at():%Y-%m-%d}. Copies taken off this machine "
            "follow their own schedule."
        )
    if looks_like_phone(who):
        notes.append(
            "Twilio keeps its own log of texts with this number: delete them in the Twilio "
            "console (Monitor > Logs > Messaging) or through Twilio's API."
        )
    if found.sms_opt_out:
        notes.append(
            "Kept: this number's SMS opt-out (STOP), stored as a hashed id only; it is what "
            "keeps the assistant from answering them."
        )
    return notes


def purge(days: float) -> Dict[str, int]:
    cutoff = time.time() - days * 86400
    tracker = _engine(get_settings().tracker_db_url)
    stale: List[str] = []
    if _has_table(tracker, "events"):
        with tracker.connect() as db:
            stale = [
                row[0]
                for row in db.execute(
                    text("SELECT sender_id FROM events GROUP BY sender_id HAVING MAX(timestamp) < :cutoff"),
                    {"cutoff": cutoff},
                )
            ]
    sms_replies = 0
    if _has_table(tracker, SMS_REPLIES):
        # The SMS channel deletes these as new texts come; with none coming, here.
        with tracker.begin() as db:
            sms_replies = db.execute(
                text(f"DELETE FROM {SMS_REPLIES} WHERE claimed_at < :cutoff"),
                {"cutoff": dt.datetime.utcnow() - SMS_REPLY_KEEP},
            ).rowcount
    removed = {"leads": 0, "alerts": 0}
    kept = 0
    # While a webhook is set, the clinic has not seen an undelivered lead or
    # alert yet: it is kept, however old. Without one, the lead database is
    # the clinic's record and ages out like the rest.
    only_delivered = bool(get_settings().webhook_url)
    engine = _engine(get_settings().leads_db_url)
    for model in (Lead, Alert):
        if _has_table(engine, model.__tablename__):
            old = model.created_at < dt.datetime.utcfromtimestamp(cutoff)
            gone = (old, model.status == DELIVERED) if only_delivered else (old,)
            with engine.begin() as db:
                removed[model.__tablename__] = db.execute(delete(model).where(*gone)).rowcount
                kept += db.execute(select(func.count()).select_from(model).where(old)).scalar()
    from bot.ops.backup import prune

    return {
        "conversations": len(stale),
        "conversation_events": _delete_conversations(stale),
        **removed,
        "kept_undelivered": kept,
        "sms_replies": sms_replies,
        "backups": prune(),
    }


def _report(who: str, found: Found, counts: Dict[str, int], verb: str) -> None:
    print(f"{verb}: {counts}")
    if found.typed_in:
        print(f"  of which {len(found.typed_in)} conversations found by what was typed in them")
    if verb == "found":
        print(f"  conversations: {', '.join(sorted(found.stored)) or '(none)'}")
        print(
            f"  leads: {', '.join(map(str, found.leads)) or '(none)'}; "
            f"alerts: {', '.join(map(str, found.alerts)) or '(none)'}"
        )
    notes = out_of_reach(who, found)
    if notes:
        print("Out of this command's reach:")
        for note in notes:
            print(f"  - {note}")


def main(argv: List[str]) -> int:
    print("\n".join(describe()))
    urls = [get_settings().tracker_db_url, get_settings().leads_db_url]
    missing = [url for url in urls if (path := sqlite_path(url)) is not None and not path.exists()]
    if len(missing) == 2:
        # A fresh install, or settings pointing elsewhere: say so, never crash.
        print(f"nothing stored yet: no database at {' or '.join(missing)}")
    command = argv[1] if len(argv) > 1 else ""
    if command in ("find", "forget") and len(argv) == 3 and argv[2].strip():
        try:
            found = find(argv[2])
        except NotAPerson as refusal:
            print(f"ERROR: {refusal}", file=sys.stderr)
            return 2
        if command == "find":
            _report(argv[2], found, found.counts(), "found")
        else:
            _report(argv[2], found, remove(found), "forgotten")
        return 0
    if command == "purge" and len(argv) in (2, 3):
        days = float(argv[2]) if len(argv) == 3 else get_settings().retention_days
        print(f"purged data older than {days:g} days: {purge(days)}")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
