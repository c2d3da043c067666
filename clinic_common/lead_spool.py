"""Call-back requests and alerts the lead database could not take, kept as
files until it can.

A lead is stored before the visitor is thanked. When the lead database is
locked, down or refuses the write, the lead comes here instead, so the
visitor's request is never held only in the conversation's slots: one JSON
file per item, written under a temporary name, flushed to disk and renamed
into place, readable by the service user alone (folder 0700, file 0600). The
next delivery run (the next lead or alert, or `make retry-leads`) moves each
file into the database (actions/lead_store.py), then deletes it.

LEADS_SPOOL_DIR says where (var/lead-spool by default); backups copy it, and
`make forget` looks into it.
"""

import datetime as dt
import json
import os
import uuid
from pathlib import Path
from typing import Any, Dict, List

from clinic_common.database import PRIVATE_FILE, private_folder
from clinic_common.settings import get_settings

KINDS = ("lead", "alert")


def folder() -> Path:
    return get_settings().leads_spool_dir


def keep(kind: str, fields: Dict[str, Any]) -> Path:
    """Writes one item durably; returns its file. Raises OSError if the
    folder cannot take it either (disk full, read-only)."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    spool = folder()
    private_folder(spool)
    spool_id = uuid.uuid4().hex
    record = {
        "kind": kind,
        "spool_id": spool_id,
        "created_at": dt.datetime.utcnow().isoformat(),
        "fields": fields,
    }
    partial = spool / f".{spool_id}.partial"
    final = spool / f"{kind}-{spool_id}.json"
    descriptor = os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_FILE)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            json.dump(record, out, ensure_ascii=False)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, final)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    # The rename itself must survive a power cut, not only the file's bytes.
    directory = os.open(spool, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
    return final


def waiting() -> List[Path]:
    """The items waiting, oldest first (a partial write is never one)."""
    spool = folder()
    if not spool.is_dir():
        return []
    return sorted(
        (p for p in spool.glob("*.json") if p.name.split("-", 1)[0] in KINDS), key=lambda p: p.stat().st_mtime
    )


def read(path: Path) -> Dict[str, Any]:
    """One item: kind, spool_id, created_at (a datetime, UTC) and fields.
    Raises ValueError for a file that is not one."""
    record = json.loads(path.read_text(encoding="utf-8"))
    if (
        not isinstance(record, dict)
        or record.get("kind") not in KINDS
        or not record.get("spool_id")
        or not isinstance(record.get("fields"), dict)
    ):
        raise ValueError(f"{path.name} is not a spooled lead or alert")
    record["created_at"] = dt.datetime.fromisoformat(record["created_at"])
    return record


def remove(path: Path) -> None:
    path.unlink(missing_ok=True)
