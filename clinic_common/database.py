"""One engine per database URL and schema, created once per process, and
SQLite files readable by the service user alone.

The actions' lead store and the SMS channel's store each keep a few tables of
their own; both need the same thing: an engine made once (not per request),
the SQLite file in place with its permissions, their tables created, and
columns or indexes added since a database was made.

SQLite databases hold symptoms, names and phone numbers: their folder is
0700 and each file 0600, whatever the umask of whoever started the process.
SQLite gives its -wal, -shm and -journal files the database file's mode.
"""

import os
import stat
import threading
from pathlib import Path
from typing import Any, Dict, Optional, Tuple

from sqlalchemy import MetaData, create_engine, inspect, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError

PRIVATE_FOLDER = 0o700
PRIVATE_FILE = 0o600
# A PostgreSQL server that does not answer must not hang a visitor's turn.
CONNECT_TIMEOUT_SECONDS = 5

_engines: Dict[Tuple[str, int], Engine] = {}
_lock = threading.Lock()


def sqlite_path(url: str) -> Optional[Path]:
    """The file of a SQLite URL, None for any other database (or in-memory)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        return Path(parsed.database)
    return None


def private_folder(folder: Path) -> None:
    """Makes the folder, or tightens it to 0700 if it is ours. A shared
    folder (sticky, as /tmp) is left as it is: its files are still 0600."""
    folder.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)
    info = folder.stat()
    if info.st_uid == os.geteuid() and not info.st_mode & stat.S_ISVTX:
        if stat.S_IMODE(info.st_mode) != PRIVATE_FOLDER:
            folder.chmod(PRIVATE_FOLDER)


def private_file(path: Path) -> None:
    """Creates the file empty with mode 0600 (SQLite takes an empty file as a
    new database), or tightens an existing one and its companions."""
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_FILE))
    except FileExistsError:
        pass
    for companion in (path, *(path.with_name(path.name + end) for end in ("-wal", "-shm", "-journal"))):
        try:
            if stat.S_IMODE(companion.stat().st_mode) != PRIVATE_FILE:
                companion.chmod(PRIVATE_FILE)
        except FileNotFoundError:
            pass


def prepare_sqlite(url: str) -> None:
    """A SQLite database's folder and file, private, before anything opens it."""
    path = sqlite_path(url)
    if path is not None:
        private_folder(path.parent)
        private_file(path)


def connect_args(url: str) -> Dict[str, int]:
    if make_url(url).get_backend_name() == "postgresql":
        return {"connect_timeout": CONNECT_TIMEOUT_SECONDS}
    return {}


def _add_missing_columns_and_indexes(engine: Engine, metadata: MetaData) -> None:
    """Databases made before a column or index existed get it (create_all
    adds tables, not columns)."""
    for table in metadata.sorted_tables:
        present = {c["name"] for c in inspect(engine).get_columns(table.name)}
        for column in table.columns:
            if column.name not in present:
                kind = column.type.compile(engine.dialect)
                try:
                    with engine.begin() as db:
                        db.execute(text(f"ALTER TABLE {table.name} ADD COLUMN {column.name} {kind}"))
                except SQLAlchemyError:
                    # Another server starting at the same moment added it first.
                    if column.name not in {c["name"] for c in inspect(engine).get_columns(table.name)}:
                        raise
        for index in table.indexes:
            try:
                index.create(bind=engine, checkfirst=True)
            except SQLAlchemyError:
                if index.name not in {i["name"] for i in inspect(engine).get_indexes(table.name)}:
                    raise


def engine_for(url: str, metadata: MetaData) -> Engine:
    key = (url, id(metadata))
    with _lock:
        if key not in _engines:
            prepare_sqlite(url)
            options: Dict[str, Any] = {"connect_args": connect_args(url)}
            if make_url(url).get_backend_name() == "postgresql":
                # A restarted database costs no request; one that is down
                # answers within seconds (connect_args), not the system's
                # TCP timeout.
                options["pool_pre_ping"] = True
            engine = create_engine(url, future=True, **options)
            metadata.create_all(engine)
            _add_missing_columns_and_indexes(engine, metadata)
            _engines[key] = engine
        return _engines[key]
