"""One engine per database URL and schema, created once per process.

The actions' lead store and the SMS channel's store each keep a few tables of
their own; both need the same thing: an engine made once (not per request),
the SQLite file's folder in place, and their tables created.
"""
import threading
from pathlib import Path
from typing import Any, Dict, Tuple

from sqlalchemy import MetaData, create_engine
from sqlalchemy.engine import Engine, make_url

CONNECT_TIMEOUT_SECONDS = 5

_engines: Dict[Tuple[str, int], Engine] = {}
_lock = threading.Lock()


def ensure_sqlite_folder(url: str) -> None:
    """SQLite creates its file but not the folder it goes in (var/ on a fresh clone)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


def engine_for(url: str, metadata: MetaData) -> Engine:
    key = (url, id(metadata))
    with _lock:
        if key not in _engines:
            ensure_sqlite_folder(url)
            options: Dict[str, Any] = {}
            if make_url(url).get_backend_name() == "postgresql":
                # A restarted database costs no request; one that is down
                # answers within seconds, not the system's TCP timeout.
                options = {"pool_pre_ping": True, "connect_args": {"connect_timeout": CONNECT_TIMEOUT_SECONDS}}
            engine = create_engine(url, future=True, **options)
            metadata.create_all(engine)
            _engines[key] = engine
        return _engines[key]
