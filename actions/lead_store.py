"""What goes to the clinic's webhook: call-back requests (leads) and
post-treatment emergency alerts. Each is stored first, then delivered.

Each is written to the actions' own database before anything else happens,
so a clinic webhook that is unset, down or slow loses nothing: it stays
`pending` and every later delivery run (the next lead or alert, or
`make retry-leads` from cron) tries it again, alerts first.

Delivery, safe with several action servers and cron at once:
- each item is claimed in the database before its POST (an UPDATE from
  `pending` to `sending` that only one process can win, on SQLite and
  PostgreSQL alike), so no two runs send it twice; a claim left by a process
  that died is taken over after CLAIM_STALE_SECONDS;
- every POST carries the item's idempotency key (`Idempotency-Key: lead-<id>`
  or `alert-<id>`, also in the body as `lead_id`/`alert_id`): a webhook that
  answered too late for us gets the same key again, and de-duplicates on it;
- a receiver that refuses one item (4xx) does not hold up the others: that
  item waits with backoff (1, 2, 4... minutes, at most an hour) and is
  `parked` after MAX_ATTEMPTS, for a person to look at; a webhook that is
  down or times out (5xx, no answer) ends the run, since the rest would fail
  the same way.

A database that cannot take an item (locked, down, refusing the write) loses
nothing either: the item is kept as a file in LEADS_SPOOL_DIR
(clinic_common/lead_spool.py) and every delivery run first moves such files into the
database. Each carries its file's id (`spool_id`, unique), so a run that dies
between the insert and the file's deletion never stores it twice.

Usage: python -m actions.lead_store retry   (exits 1 while anything waits in
the spool, or while a webhook is set and anything is pending or parked, so
cron can alert)
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
from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from clinic_common import lead_spool
from clinic_common.database import engine_for
from clinic_common.lead_tables import DELIVERED, PARKED, PENDING, SENDING, UNDELIVERED, Alert, Base, Lead
from clinic_common.settings import get_settings

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
CLAIM_STALE_SECONDS = 120
MAX_BACKOFF_SECONDS = 3600

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


def why(error: Exception) -> str:
    """What went wrong, fit for a log: never the statement's parameters (a
    name, a phone number), which SQLAlchemy's messages carry."""
    if isinstance(error, OperationalError) and error.orig is not None:
        return f"{type(error.orig).__name__}: {str(error.orig).strip().splitlines()[0]}"
    return type(error).__name__


def _keep(model, kind: str, **fields: object) -> bool:
    """Stores an item in the lead database, else in the spool. True if the
    database has it, False if it waits in the spool; raises OSError only when
    neither could take it."""
    try:
        _save(model, **fields)
        return True
    except (SQLAlchemyError, OSError) as error:  # OSError: the SQLite file's folder
        path = lead_spool.keep(kind, fields)
        logger.error("The lead database could not take a %s (%s): kept in %s until it can", kind, why(error), path)
        return False


def keep_lead(**fields: object) -> bool:
    return _keep(Lead, "lead", **fields)


def keep_alert(**fields: object) -> bool:
    return _keep(Alert, "alert", **fields)


def import_spooled() -> int:
    """Moves every spooled item into the lead database; returns how many.
    Raises SQLAlchemyError while the database still cannot take them; a file
    that is not an item is left in place, logged, and counted by `waiting`."""
    models = {"lead": Lead, "alert": Alert}
    imported = 0
    for path in lead_spool.waiting():
        try:
            record = lead_spool.read(path)
            model = models[record["kind"]]
            row = model(spool_id=record["spool_id"], created_at=record["created_at"], **record["fields"])
        except (ValueError, KeyError, TypeError) as error:
            logger.error(
                "Cannot read %s in the lead spool (%s): left there for a person to look at", path, type(error).__name__
            )
            continue
        with session() as db:
            db.add(row)
            try:
                db.commit()
                imported += 1
            except IntegrityError:
                db.rollback()
                if db.query(model).filter(model.spool_id == record["spool_id"]).first() is None:
                    logger.error(
                        "The lead database refused %s (IntegrityError): left there for a person to look at", path
                    )
                    continue
                # else an earlier run stored it, then died before deleting the file
        lead_spool.remove(path)
    return imported


def _pending_in(db, model, due_only: bool = False):
    query = db.query(model).filter(model.status == PENDING)
    if due_only:
        now = dt.datetime.utcnow()
        query = query.filter(or_(model.next_attempt_at.is_(None), model.next_attempt_at <= now))
    return query.order_by(model.id)


def _pending(model) -> list:
    with session() as db:
        return _pending_in(db, model).all()


def undelivered_counts() -> Dict[str, int]:
    """How many alerts and leads wait, by status (pending, sending, parked)."""
    counts = {status: 0 for status in UNDELIVERED}
    with session() as db:
        for model in (Alert, Lead):
            for status in UNDELIVERED:
                counts[status] += db.query(model).filter(model.status == status).count()
    return counts


def _claim(db, model, item_id: int) -> bool:
    """Takes a pending item for this run; False if another run has it.
    (Stale claims were put back to pending by _release_stale_claims.)"""
    claimed = db.execute(
        update(model)
        .where(model.id == item_id, model.status == PENDING)
        .values(status=SENDING, claimed_at=dt.datetime.utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    db.commit()
    return claimed == 1


def _release_stale_claims(db) -> None:
    """Items whose sender died mid-POST go back to the queue."""
    stale = dt.datetime.utcnow() - dt.timedelta(seconds=CLAIM_STALE_SECONDS)
    for model in (Alert, Lead):
        db.execute(
            update(model)
            .where(model.status == SENDING, model.claimed_at < stale)
            .values(status=PENDING)
            .execution_options(synchronize_session=False)
        )
    db.commit()


def _backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(seconds=min(60 * 2 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS))


def pending_alerts() -> List[Alert]:
    return _pending(Alert)


def pending_leads() -> List[Lead]:
    return _pending(Lead)


def post_signed(payload: Dict[str, object], idempotency_key: str = "") -> requests.Response:
    """POSTs one JSON event to the clinic's webhook, signed with
    X-Clinic-Signature: sha256=<HMAC-SHA256 of the body with CLINIC_WEBHOOK_SECRET>."""
    settings = get_settings()
    body = json.dumps(payload, separators=(",", ":")).encode()
    signature = hmac.new(settings.webhook_secret.encode(), body, hashlib.sha256).hexdigest()
    headers = {"Content-Type": "application/json", "X-Clinic-Signature": f"sha256={signature}"}
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key
    response = requests.post(
        settings.webhook_url,
        data=body,
        headers=headers,
        timeout=settings.webhook_timeout,
    )
    response.raise_for_status()
    return response


def deliver_pending(due_only: bool = False) -> int:
    """POSTs every pending alert, then every pending lead, to the clinic's
    webhook; returns how many went. `due_only`: skip items still waiting out
    their backoff (the background run after each new lead); `make retry-leads`
    tries every pending item."""
    try:
        import_spooled()
    except SQLAlchemyError as error:
        logger.warning(
            "The lead database is still unavailable (%s): %d alerts and leads wait in the spool",
            why(error),
            len(lead_spool.waiting()),
        )
        return 0
    settings = get_settings()
    if not settings.webhook_url:
        return 0
    delivered = 0
    with _delivery_lock, session() as db:
        _release_stale_claims(db)
        for model in (Alert, Lead):
            for item_id in [row.id for row in _pending_in(db, model, due_only)]:
                if not _claim(db, model, item_id):
                    continue  # another run has it
                item = db.get(model, item_id)
                db.refresh(item)
                item.attempts += 1
                key = item.idempotency_key()
                try:
                    post_signed(item.payload(), idempotency_key=key)
                except requests.RequestException as error:
                    refused = (
                        isinstance(error, requests.HTTPError)
                        and error.response is not None
                        and 400 <= error.response.status_code < 500
                    )
                    item.last_error = str(error)[:500]
                    item.claimed_at = None
                    if item.attempts >= MAX_ATTEMPTS:
                        item.status = PARKED
                        logger.error("%s parked after %d attempts: %s", key, item.attempts, error)
                    else:
                        item.status = PENDING
                        item.next_attempt_at = dt.datetime.utcnow() + _backoff(item.attempts)
                        logger.warning("%s not delivered yet: %s", key, error)
                    db.commit()
                    if refused:
                        continue  # this item's problem: the others may go
                    return delivered  # the webhook is unhealthy: the rest would fail too
                item.status = DELIVERED
                item.delivered_at = dt.datetime.utcnow()
                item.last_error = None
                item.claimed_at = None
                db.commit()
                delivered += 1
    return delivered


def deliver_in_background() -> threading.Thread:
    """Starts a delivery run without making the visitor (or the emergency
    reply) wait for it."""
    thread = threading.Thread(target=deliver_pending, kwargs={"due_only": True}, name="lead-delivery", daemon=True)
    thread.start()
    return thread


def main(argv: List[str]) -> int:
    if argv[1:] != ["retry"]:
        sys.exit("usage: python -m actions.lead_store retry")
    logging.basicConfig(level=logging.INFO)
    from clinic_common.settings import describe

    print("\n".join(describe()))
    try:
        imported = import_spooled()
        before = len(pending_alerts()) + len(pending_leads())
    except SQLAlchemyError as error:
        print(
            f"the lead database is unavailable ({why(error)}): {len(lead_spool.waiting())} alerts "
            f"and leads wait in {lead_spool.folder()} until it is back"
        )
        return 1
    if imported:
        print(f"{imported} alerts and leads moved from {lead_spool.folder()} into the lead database")
    unreadable = len(lead_spool.waiting())
    sent = deliver_pending()
    print(f"{sent} of {before} pending alerts and leads delivered")
    waiting = undelivered_counts()
    if unreadable:
        print(f"{unreadable} files in {lead_spool.folder()} could not be read: see the log above")
    if not get_settings().webhook_url:
        print("no CLINIC_WEBHOOK_URL: alerts and leads stay in the lead database")
        return 1 if unreadable else 0
    if waiting["pending"] or waiting["parked"] or unreadable:  # "sending": another run has it now
        print(
            f"still waiting: {waiting['pending']} pending, {waiting['sending']} being sent, "
            f"{waiting['parked']} parked (refused {MAX_ATTEMPTS} times: see last_error)"
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
