"""Backups of the clinic's data, and restoring one.

A backup holds what the assistant keeps: the conversation database
(TRACKER_DB_URL: conversations, SMS opt-outs and replies), the lead database
(LEADS_DB_URL: call-back requests and alerts) and the lead spool
(LEADS_SPOOL_DIR). A model is rebuilt by `make train`, and .env is the
clinic's own to keep.

- SQLite: SQLite's online backup API, a consistent copy while the assistant
  runs (its write-ahead log included), written as one self-contained file.
- PostgreSQL: pg_dump's custom format, restored with pg_restore --clean in one
  transaction. The password goes to pg_dump through PGPASSWORD, never on its
  command line.

Each backup is a folder BACKUP_DIR/<UTC time>/ (0700, its files 0600) with a
manifest.json saying what it holds. `create` deletes this folder's backups
older than BACKUP_KEEP_DAYS (so does `make purge`). `restore` refuses while
this machine's servers answer, and backs up the current data first.

Usage:
  python -m bot.ops.backup create
  python -m bot.ops.backup list
  python -m bot.ops.backup restore FOLDER   # a folder, or its name in BACKUP_DIR
"""

import datetime as dt
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from sqlalchemy.engine import make_url

from clinic_common import lead_spool
from clinic_common.database import (
    PRIVATE_FILE,
    PRIVATE_FOLDER,
    prepare_sqlite,
    private_file,
    private_folder,
    sqlite_path,
)
from clinic_common.settings import describe, get_settings

# Each store, and the setting that says where it is.
STORES = {"tracker": "TRACKER_DB_URL", "leads": "LEADS_DB_URL"}
MANIFEST = "manifest.json"
SPOOL = "lead-spool"
STAMP = "%Y%m%dT%H%M%SZ"


class BackupError(Exception):
    """Something the person running the command must fix; said, never a traceback."""


@dataclass(frozen=True)
class Backup:
    folder: Path
    created_at: dt.datetime
    stores: Dict[str, Dict[str, Optional[str]]]
    spooled: int

    def expires_at(self) -> dt.datetime:
        return self.created_at + dt.timedelta(days=keep_days())


def _url(store: str) -> str:
    settings = get_settings()
    return settings.tracker_db_url if store == "tracker" else settings.leads_db_url


def backup_dir() -> Path:
    return get_settings().backup_dir


def keep_days() -> float:
    return get_settings().backup_keep_days


def read(folder: Path) -> Backup:
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        return Backup(
            folder,
            dt.datetime.fromisoformat(manifest["created_at"]),
            manifest["stores"],
            int(manifest.get("spooled", 0)),
        )
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise BackupError(f"{folder} is not a backup made by `make backup` ({type(error).__name__})") from None


def list_backups() -> List[Backup]:
    """This machine's backups in BACKUP_DIR, oldest first; other folders there are not ours."""
    found = []
    if backup_dir().is_dir():
        for folder in backup_dir().iterdir():
            if (folder / MANIFEST).is_file():
                try:
                    found.append(read(folder))
                except BackupError:
                    continue
    return sorted(found, key=lambda backup: backup.created_at)


def prune(now: Optional[dt.datetime] = None) -> int:
    """Deletes backups older than BACKUP_KEEP_DAYS; returns how many."""
    now = now or dt.datetime.utcnow()
    expired = [backup for backup in list_backups() if backup.expires_at() < now]
    for backup in expired:
        shutil.rmtree(backup.folder)
    return len(expired)


# --- PostgreSQL through its own tools -------------------------------------------
def _libpq(url: str) -> Tuple[str, Dict[str, str]]:
    """The URL as pg_dump reads it, without its password, and an environment
    carrying the password instead."""
    parsed = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(tool: str, args: List[str], url: str) -> None:
    if not shutil.which(tool):
        raise BackupError(
            f"{tool} is not installed: install PostgreSQL's client tools (Debian: apt-get install postgresql-client)"
        )
    conninfo, env = _libpq(url)
    done = subprocess.run([tool, *args, f"--dbname={conninfo}"], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        safe = make_url(url).render_as_string(hide_password=True)
        raise BackupError(f"{tool} failed for {safe}:\n{done.stderr.strip()}")


# --- SQLite through its online backup API ---------------------------------------
def _copy_sqlite(source: Path, target: Path, self_contained: bool) -> None:
    private_file(target)
    reader = sqlite3.connect(source)
    writer = sqlite3.connect(target)
    try:
        with writer:
            reader.backup(writer)
        if self_contained:
            # One file, no -wal beside it: a backup can be copied as it is.
            writer.execute("PRAGMA journal_mode=DELETE")
    finally:
        writer.close()
        reader.close()


def _backup_store(name: str, folder: Path) -> Dict[str, Optional[str]]:
    url = _url(name)
    path = sqlite_path(url)
    if path is not None:
        if not path.exists():
            return {"kind": "sqlite", "file": None}
        _copy_sqlite(path, folder / f"{name}.db", self_contained=True)
        return {"kind": "sqlite", "file": f"{name}.db"}
    backend = make_url(url).get_backend_name()
    if backend == "postgresql":
        target = folder / f"{name}.pgdump"
        private_file(target)
        _run("pg_dump", ["--format=custom", "--no-owner", "--no-privileges", f"--file={target}"], url)
        return {"kind": "postgresql", "file": target.name}
    raise BackupError(f"{STORES[name]}: backing up a {backend} database is not supported; use its own tools")


def create(label: str = "") -> Backup:
    """Writes a new backup folder; returns it."""
    private_folder(backup_dir())
    now = dt.datetime.utcnow()
    name = now.strftime(STAMP) + (f"-{label}" if label else "")
    folder = backup_dir() / name
    counter = 1
    while folder.exists():
        counter += 1
        folder = backup_dir() / f"{name}-{counter}"
    folder.mkdir(mode=PRIVATE_FOLDER)
    try:
        stores = {store: _backup_store(store, folder) for store in STORES}
        waiting = lead_spool.waiting()
        if waiting:
            (folder / SPOOL).mkdir(mode=PRIVATE_FOLDER)
            for item in waiting:
                shutil.copy(item, folder / SPOOL / item.name)
        manifest = {"created_at": now.isoformat(), "stores": stores, "spooled": len(waiting)}
        descriptor = os.open(folder / MANIFEST, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_FILE)
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            json.dump(manifest, out, indent=2)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)  # never a half backup that looks whole
        raise
    return read(folder)


# --- Restore ------------------------------------------------------------------------
def running_servers() -> List[str]:
    """This machine's servers that still answer: a restore under them would
    be overwritten by what they hold in memory, or break their connections."""
    answering = []
    settings = get_settings()
    for what, port, path in (
        ("the Rasa server", settings.rasa_port, "/webhooks/health/live"),
        ("the action server", settings.action_port, "/health"),
    ):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2).close()
        except urllib.error.HTTPError:
            pass  # it answered, if not with 200
        except OSError:
            continue
        answering.append(f"{what} (port {port})")
    return answering


def _restore_store(name: str, backup: Backup) -> str:
    entry = backup.stores.get(name) or {"file": None}
    variable = STORES[name]
    url = _url(name)
    stored = entry.get("file")
    if not stored:
        return f"{name}: none in this backup; left as it is"
    path = sqlite_path(url)
    kind = "sqlite" if path is not None else make_url(url).get_backend_name()
    if kind != entry["kind"]:
        raise BackupError(
            f"{name}: this backup holds a {entry['kind']} database, but {variable} is {kind}; "
            f"set {variable} to a {entry['kind']} database to restore it"
        )
    source = backup.folder / stored
    if path is not None:
        prepare_sqlite(url)
        _copy_sqlite(source, path, self_contained=False)
        prepare_sqlite(url)  # its -wal and -shm, if the copy made them
    else:
        _run(
            "pg_restore",
            [
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                str(source),
            ],
            url,
        )
    return f"{name}: restored from {source.name}"


def restore(folder: Path) -> List[str]:
    """Puts a backup's data back; returns what was done, line by line."""
    backup = read(folder)
    running = running_servers()
    if running:
        raise BackupError(
            f"Stop the assistant first: {' and '.join(running)} still answer. "
            "Stop `make run` (and every other server using these databases), then restore."
        )
    before = create(label="before-restore")
    done = [f"the data as it was is backed up first, in {before.folder}"]
    done += [_restore_store(name, backup) for name in STORES]
    spooled = sorted((backup.folder / SPOOL).glob("*.json")) if (backup.folder / SPOOL).is_dir() else []
    if spooled:
        private_folder(lead_spool.folder())
        for item in spooled:
            if not (lead_spool.folder() / item.name).exists():
                shutil.copy(item, lead_spool.folder() / item.name)
        # Stored once, whatever the database holds: each carries its spool id.
        done.append(f"{len(spooled)} spooled alerts and leads put back in {lead_spool.folder()}")
    return done


def main(argv: List[str]) -> int:
    command = argv[1] if len(argv) > 1 else ""
    try:
        if command == "create" and len(argv) == 2:
            print("\n".join(describe()))
            backup = create()
            held = ", ".join(
                f"{name} ({entry['kind']}{'' if entry['file'] else ': none yet'})"
                for name, entry in backup.stores.items()
            )
            print(f"backup written to {backup.folder}: {held}, {backup.spooled} spooled alerts and leads")
            print(
                f"{prune()} backups older than {keep_days():g} days deleted (BACKUP_KEEP_DAYS); "
                f"copy {backup_dir()} off this machine, encrypted"
            )
            return 0
        if command == "list" and len(argv) == 2:
            for backup in list_backups():
                print(
                    f"{backup.folder}  made {backup.created_at:%Y-%m-%d %H:%M} UTC, "
                    f"deleted after {backup.expires_at():%Y-%m-%d}"
                )
            return 0
        if command == "restore" and len(argv) == 3 and argv[2].strip():
            print("\n".join(describe()))
            folder = Path(argv[2])
            if not folder.is_dir() and (backup_dir() / argv[2]).is_dir():
                folder = backup_dir() / argv[2]
            for line in restore(folder):
                print(line)
            print("restored: start the assistant again (make run)")
            return 0
    except BackupError as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
