"""One engine per database URL and schema, created once per process.

The actions' lead store and the SMS channel's store each keep a few tables of
their own; both need the same thing: an engine made once (not per request),
the SQLite file's folder in place, and their tables created.
"""
import threading
from pathlib import Path
from typing import Dict, Tuple

from sqlalchemy import MetaData, create_engine
from sqlalchemy.engine import Engine, make_url

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
            engine = create_engine(url, future=True)
            metadata.create_all(engine)
            _engines[key] = engine
        return _engines[key]
